import type { Redis } from "@upstash/redis/cloudflare";
import type { DeviceRecord, DeviceStore } from "../../domain/devices";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const DEVICE_PREFIX = "device:";
const INDEX_PREFIX = "user:devices:";

// Stores a device and indexes it by expiry (= last use + TTL, so the lowest
// is the least recently used); drops expired members and forgets the oldest
// beyond the cap, all in one script so racing sign-ins cannot pass the cap.
const CREATE = `
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, -1)
  local dropped = 0
  for _, id in ipairs(old) do
    if dropped >= extra then break end
    if id ~= ARGV[3] then
      redis.call('DEL', ARGV[6] .. id)
      redis.call('ZREM', KEYS[2], id)
      dropped = dropped + 1
    end
  end
end
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], top[2])
return 1
`;

// Compare-and-set of the secret: of two sign-ins presenting one token, one rotates it.
const ROTATE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, d = pcall(cjson.decode, raw)
if not ok or d.secretHash ~= ARGV[1] or tonumber(d.expiresAt) <= tonumber(ARGV[3]) then return 0 end
d.secretHash = ARGV[2]
d.lastUsedAt = tonumber(ARGV[3])
d.expiresAt = tonumber(ARGV[4])
redis.call('SET', KEYS[1], cjson.encode(d), 'PXAT', ARGV[4])
local index = ARGV[5] .. d.userId
redis.call('ZADD', index, ARGV[4], d.id)
local top = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', index, top[2])
return 1
`;

// Forgets every device in the user's index but one; counts the live ones.
const REVOKE_ALL = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local n = 0
for _, id in ipairs(ids) do
  if id ~= ARGV[2] then
    n = n + redis.call('DEL', ARGV[1] .. id)
    redis.call('ZREM', KEYS[1], id)
  end
end
return n
`;

/**
 * Production DeviceStore: `device:{id}` → JSON DeviceRecord (PXAT its
 * expiry) and `user:devices:{userId}` → sorted set of device ids scored by
 * expiry, for the cap, the list and "sign out everywhere".
 */
export class UpstashDeviceStore implements DeviceStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  get(id: string, now: number): Promise<DeviceRecord | null> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const d = parseStored<DeviceRecord>(await this.redis.get(DEVICE_PREFIX + id));
      // The Worker's clock decides, like every other expiry.
      return d && d.expiresAt > now ? d : null;
    });
  }

  create(r: DeviceRecord, maxPerUser: number): Promise<void> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      await this.redis.eval(
        CREATE,
        [DEVICE_PREFIX + r.id, INDEX_PREFIX + r.userId],
        [JSON.stringify(r), String(r.expiresAt), r.id, String(r.createdAt), String(maxPerUser), DEVICE_PREFIX],
      );
    });
  }

  rotate(id: string, expectedSecretHash: string, newSecretHash: string, now: number, expiresAt: number): Promise<boolean> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const done = await this.redis.eval(ROTATE, [DEVICE_PREFIX + id], [expectedSecretHash, newSecretHash, String(now), String(expiresAt), INDEX_PREFIX]);
      return Number(done) === 1;
    });
  }

  listForUser(userId: string, now: number): Promise<DeviceRecord[]> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const ids = await this.redis.zrange<string[]>(INDEX_PREFIX + userId, now + 1, "+inf", { byScore: true });
      if (ids.length === 0) return [];
      const raw = await this.redis.mget<unknown[]>(...ids.map((id) => DEVICE_PREFIX + id));
      const live = raw.map((v) => parseStored<DeviceRecord>(v)).filter((d): d is DeviceRecord => d !== null && d.expiresAt > now);
      return live.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    });
  }

  revokeAllForUser(userId: string, keepId: string | null): Promise<number> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      return Number(await this.redis.eval(REVOKE_ALL, [INDEX_PREFIX + userId], [DEVICE_PREFIX, keepId ?? ""]));
    });
  }
}
