-- Account erasures in progress (issue 11, DATA-02): one row per erasure that
-- has started and not finished. Written before anything is deleted and
-- removed only when every step succeeded, so a failure half-way is finished
-- by the scheduled handler and counted by /readyz.
CREATE TABLE IF NOT EXISTS erasures (
  user_id      TEXT PRIMARY KEY,
  phone_hash   TEXT NOT NULL,
  tombstone_id TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS erasures_started ON erasures (started_at);
