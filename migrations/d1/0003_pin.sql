-- PIN unlock (issue 9). pin_record is the JSON KDF record of
-- src/lib/pin-hash.ts (algorithm, iterations, salt, hash, pepper version),
-- never the PIN; it is never returned to clients. pin_failures counts wrong
-- PINs since the last right one or sign-in; at PIN_MAX_ATTEMPTS PIN unlock
-- is off (PIN-03). pin_enabled (0001) is 1 exactly when pin_record is set.
ALTER TABLE users ADD COLUMN pin_record TEXT;
ALTER TABLE users ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
