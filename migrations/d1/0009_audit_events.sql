-- The users' own audit trail (issue 11): one row per audited auth event,
-- per subject (user:{id}, phone:{hash}, tomb:{id}); entry is the JSON
-- AuditEntry (no phone, no user id, no full address). Rows older than
-- AUDIT_RETENTION_DAYS or beyond the newest 500 of a subject are deleted as
-- new ones are written.
CREATE TABLE IF NOT EXISTS audit_events (
  subject    TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  entry      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (subject, seq)
);
CREATE INDEX IF NOT EXISTS audit_events_expiry ON audit_events (expires_at);
