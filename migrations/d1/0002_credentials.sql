-- Biometric sign-in (issue 8): passkeys and native device keys, public keys
-- only. id is the WebAuthn credential id (base64url) or 'device:' + the
-- app's device id; its PRIMARY KEY refuses an id registered to anyone
-- (BIO-03). public_key is never returned to clients.
CREATE TABLE IF NOT EXISTS credentials (
  id              TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('passkey', 'device_key')),
  public_key      TEXT NOT NULL,
  algorithm       TEXT,
  counter         INTEGER NOT NULL DEFAULT 0,
  transports      TEXT NOT NULL DEFAULT '[]',
  backup_eligible INTEGER NOT NULL DEFAULT 0,
  backed_up       INTEGER NOT NULL DEFAULT 0,
  aaguid          TEXT,
  user_handle     TEXT,
  device_id       TEXT,
  platform        TEXT,
  name            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
);
CREATE INDEX IF NOT EXISTS credentials_by_user ON credentials (user_id);

-- One WebAuthn user handle per user: 32 random bytes (base64url), made once
-- and reused, never the user id or the phone.
ALTER TABLE users ADD COLUMN webauthn_user_handle TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS users_webauthn_user_handle ON users (webauthn_user_handle);
