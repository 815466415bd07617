import type { Redis } from "@upstash/redis/cloudflare";
import type { SessionRecord, SessionStore } from "../../domain/ports";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const sessionKey = (userId: string, sessionId: string): string => `session:${userId}:${sessionId}`;
const indexKey = (userId: string): string => `user:sessions:${userId}`;

// Compare-and-set of the token hash: of two concurrent renewals one wins.
const ROTATE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, s = pcall(cjson.decode, raw)
if not ok or s.tokenHash ~= ARGV[1] or tonumber(s.expiresAt) <= tonumber(ARGV[3]) then return 0 end
s.tokenHash = ARGV[2]
if not s.lastSeenAt or tonumber(s.lastSeenAt) < tonumber(ARGV[3]) then s.lastSeenAt = tonumber(ARGV[3]) end
if ARGV[4] ~= '' then
  s.lastAuthAt = tonumber(ARGV[3])
  s.amr = cjson.decode(ARGV[4])
end
redis.call('SET', KEYS[1], cjson.encode(s), 'KEEPTTL')
return 1
`;

// Marks a live session used, never moving lastSeenAt back.
const TOUCH = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, s = pcall(cjson.decode, raw)
if not ok or tonumber(s.expiresAt) <= tonumber(ARGV[1]) then return 0 end
if s.lastSeenAt and tonumber(s.lastSeenAt) >= tonumber(ARGV[1]) then return 0 end
s.lastSeenAt = tonumber(ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(s), 'KEEPTTL')
return 1
`;

// Stores a session and indexes it; the index lives as long as its
// longest-lived member (even if the TTL setting was lowered since).
const CREATE = `
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], top[2])
return 1
`;

// Deletes every session of a user listed in the index, then the index.
const REVOKE_ALL = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local n = 0
for _, id in ipairs(ids) do
  n = n + redis.call('DEL', ARGV[1] .. id)
end
redis.call('DEL', KEYS[1])
return n
`;

/**
 * Production SessionStore: `session:{userId}:{sessionId}` → JSON (PXAT
 * expiry) and `user:sessions:{userId}` → sorted set of session ids scored by
 * expiry, for listing and revoke-all.
 */
export class UpstashSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  create(s: SessionRecord): Promise<void> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      await this.redis.eval(
        CREATE,
        [sessionKey(s.userId, s.id), indexKey(s.userId)],
        [JSON.stringify(s), String(s.expiresAt), s.id, String(s.createdAt)],
      );
    });
  }

  get(userId: string, sessionId: string, now: number): Promise<SessionRecord | null> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      const s = parseStored<SessionRecord>(await this.redis.get(sessionKey(userId, sessionId)));
      return s && s.expiresAt > now ? s : null;
    });
  }

  rotate(userId: string, sessionId: string, expectedTokenHash: string, newTokenHash: string, now: number, reauthenticatedWith: string[] | null): Promise<boolean> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      // amr is never empty for an unlock (an empty Lua table would encode as {}).
      const amr = reauthenticatedWith && reauthenticatedWith.length > 0 ? JSON.stringify(reauthenticatedWith) : "";
      const swapped = await this.redis.eval(ROTATE, [sessionKey(userId, sessionId)], [expectedTokenHash, newTokenHash, String(now), amr]);
      return Number(swapped) === 1;
    });
  }

  touch(userId: string, sessionId: string, now: number): Promise<void> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      await this.redis.eval(TOUCH, [sessionKey(userId, sessionId)], [String(now)]);
    });
  }

  revoke(userId: string, sessionId: string): Promise<boolean> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      const tx = this.redis.multi();
      tx.del(sessionKey(userId, sessionId));
      tx.zrem(indexKey(userId), sessionId);
      const [deleted] = (await tx.exec()) as [number, number];
      return Number(deleted) === 1;
    });
  }

  revokeAll(userId: string): Promise<number> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      const n = await this.redis.eval(REVOKE_ALL, [indexKey(userId)], [`session:${userId}:`]);
      return Number(n);
    });
  }

  list(userId: string, now: number): Promise<SessionRecord[]> {
    return withDeadline("session-store", this.timeoutMs, async () => {
      const ids = (await this.redis.zrange(indexKey(userId), now, "+inf", { byScore: true })) as string[];
      if (ids.length === 0) return [];
      const raws = await this.redis.mget<(string | null)[]>(...ids.map((id) => sessionKey(userId, id)));
      return raws.map((r) => parseStored<SessionRecord>(r)).filter((s): s is SessionRecord => s !== null && s.expiresAt > now);
    });
  }
}
