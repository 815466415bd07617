import type { Redis } from "@upstash/redis/cloudflare";
import { AUDIT_MAX_ENTRIES, type AuditEntry, type AuditStore } from "../../domain/audit";
import { withDeadline } from "../../lib/deadline";

const listKey = (subject: string): string => `audit:${subject}`;

// Both scripts: the list's newest entry time (ms; scores are seq = at * 1000 + n),
// and the key kept until that entry leaves the retention.
const EXPIRY = `
local function newestAt(key)
  local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  return math.floor(tonumber(top[2]) / 1000)
end
local function expireFrom(key, newest, retentionMs)
  redis.call('PEXPIREAT', key, string.format('%.0f', newest + retentionMs))
end
`;

// Adds an entry (score = seq), drops entries past retention (counted from
// the newest entry, so one written late cannot shorten the list's life) and
// beyond the bound, and keeps the key as long as its newest entry.
const APPEND = `${EXPIRY}
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local newest = newestAt(KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', (newest - tonumber(ARGV[3])) * 1000))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
expireFrom(KEYS[1], newest, tonumber(ARGV[3]))
return 1
`;

// Moves every entry of one list to another (the union keeps both), then
// deletes the source; the target lives as long as its newest entry is
// within the retention (as APPEND keeps it), not a full retention from now.
const MOVE = `${EXPIRY}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1])
redis.call('DEL', KEYS[1])
expireFrom(KEYS[2], newestAt(KEYS[2]), tonumber(ARGV[1]))
return 1
`;

/** Production AuditStore: `audit:{subject}` → sorted set of JSON AuditEntry scored by seq, expiring with its newest entry. */
export class UpstashAuditStore implements AuditStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  append(subject: string, entry: AuditEntry, retentionMs: number): Promise<void> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      await this.redis.eval(APPEND, [listKey(subject)], [String(entry.seq), JSON.stringify(entry), String(retentionMs), String(AUDIT_MAX_ENTRIES)]);
    });
  }

  list(subject: string, before: number | null, limit: number, notBefore: number): Promise<AuditEntry[]> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      const max: "+inf" | `(${number}` = before === null ? "+inf" : `(${before}`;
      const raw = await this.redis.zrange<string[]>(listKey(subject), max, notBefore * 1000, { byScore: true, rev: true, offset: 0, count: limit });
      return raw.map((r) => (typeof r === "string" ? (JSON.parse(r) as AuditEntry) : (r as AuditEntry)));
    });
  }

  move(from: string, to: string, retentionMs: number): Promise<void> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      await this.redis.eval(MOVE, [listKey(from), listKey(to)], [String(retentionMs)]);
    });
  }
}
