-- Recognised devices by user (issue 10): the per-user cap
-- (MAX_DEVICES_PER_USER) forgets the least recently used, and "sign out
-- everywhere" forgets them all; both look a user's devices up.
CREATE INDEX IF NOT EXISTS devices_user ON devices (user_id, last_used_at);
