-- Delivery receipts (issue 13): the provider's latest status per message id
-- (Twilio SM…/CA… SIDs), with no phone number. A final state (delivered,
-- failed) is never replaced. Rows live 3 days; expired ones are deleted as
-- new ones are written.
CREATE TABLE IF NOT EXISTS delivery_receipts (
  message_id TEXT PRIMARY KEY,
  status     TEXT NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  error_code INTEGER,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_receipts_expiry ON delivery_receipts (expires_at);
