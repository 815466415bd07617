-- Carrier line types already looked up (issue 10, FRAUD-02), per keyed phone
-- hash (never the number): a number is looked up once per
-- LOOKUP_CACHE_SECONDS. Expired rows are deleted as new ones are written.
CREATE TABLE IF NOT EXISTS line_types (
  phone_hash TEXT PRIMARY KEY,
  line_type  TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS line_types_expiry ON line_types (expires_at);
