import type { Redis } from "@upstash/redis/cloudflare";
import { judgeClaim, type IdempotencyClaim, type IdempotencyRecord, type IdempotencyStore, type IdempotentAnswer } from "../../domain/idempotency";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const idemKey = (id: string): string => `idem:${id}`;

// Stores the pending record unless a live one is there; returns the live
// record ("" when this call claimed the key). One script, so of concurrent
// claims exactly one stores its record. The verdict on a live record is the
// domain's (judgeClaim), the same as the Durable Object's.
const CLAIM = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, r = pcall(cjson.decode, raw)
  if ok and type(r) == 'table' and tonumber(r.expiresAt) and tonumber(r.expiresAt) > tonumber(ARGV[1]) then return raw end
end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
return ''
`;

// Replaces the record only while it is this live pending claim.
const COMPLETE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, r = pcall(cjson.decode, raw)
if not ok or r.state ~= 'pending' or r.fingerprint ~= ARGV[1] or tonumber(r.expiresAt) <= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', ARGV[4])
return 1
`;

const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, r = pcall(cjson.decode, raw)
if ok and r.state == 'pending' and r.fingerprint == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Production IdempotencyStore: `idem:{id}` → JSON record (docs/storage.md), expiring at its `expiresAt` (PXAT). */
export class UpstashIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  claim(id: string, fingerprint: string, now: number, pendingMs: number): Promise<IdempotencyClaim> {
    return withDeadline("idempotency-store", this.timeoutMs, async () => {
      const record: IdempotencyRecord = { fingerprint, state: "pending", answer: null, expiresAt: now + pendingMs };
      const live = await this.redis.eval(CLAIM, [idemKey(id)], [String(now), JSON.stringify(record), String(record.expiresAt)]);
      if (live === "" || live === null) return { status: "claimed" };
      const stored = parseStored<IdempotencyRecord>(live);
      // A live record that does not parse cannot be judged: fail closed (the caller answers 503).
      if (!stored) throw new Error("unreadable idempotency record");
      return judgeClaim(stored, fingerprint, now);
    });
  }

  complete(id: string, fingerprint: string, answer: IdempotentAnswer, expiresAt: number, now: number): Promise<void> {
    return withDeadline("idempotency-store", this.timeoutMs, async () => {
      const record: IdempotencyRecord = { fingerprint, state: "done", answer, expiresAt };
      await this.redis.eval(COMPLETE, [idemKey(id)], [fingerprint, String(now), JSON.stringify(record), String(expiresAt)]);
    });
  }

  release(id: string, fingerprint: string): Promise<void> {
    return withDeadline("idempotency-store", this.timeoutMs, async () => {
      await this.redis.eval(RELEASE, [idemKey(id)], [fingerprint]);
    });
  }
}
