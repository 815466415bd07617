-- Users of the embedded profile. The phone number is never stored in clear:
-- phone_hash is a keyed HMAC (blind index, unique) and phone_ciphertext is
-- AES-256-GCM under a key derived from PHONE_DATA_KEY.
CREATE TABLE IF NOT EXISTS users (
  id                TEXT PRIMARY KEY,
  phone_hash        TEXT NOT NULL UNIQUE,
  phone_ciphertext  TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  last_login_at     INTEGER,
  biometric_enabled INTEGER NOT NULL DEFAULT 0,
  pin_enabled       INTEGER NOT NULL DEFAULT 0
);
