-- Recognised devices (issue 10, FRAUD-05): one row per device a user signed
-- in on. The token's secret half is stored only as a hash; phone_hash binds
-- the token to the number it was issued for. Rows past expires_at are
-- ignored and deleted as new ones are written.
CREATE TABLE IF NOT EXISTS devices (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  phone_hash   TEXT NOT NULL,
  secret_hash  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_expiry ON devices (expires_at);
