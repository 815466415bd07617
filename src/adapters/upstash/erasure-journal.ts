import type { Redis } from "@upstash/redis/cloudflare";
import type { ErasureJob, ErasureJournal } from "../../domain/erasure";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

const INDEX = "erasures";
const jobKey = (userId: string): string => `erasure:${userId}`;

// Records a job unless one is open for the user, and indexes it by start time.
const OPEN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
end
return 1
`;

// One more failed run, on the stored job.
const FAILED = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, job = pcall(cjson.decode, raw)
if not ok then return 0 end
job.attempts = (tonumber(job.attempts) or 0) + 1
redis.call('SET', KEYS[1], cjson.encode(job))
return 1
`;

/**
 * Production ErasureJournal: `erasure:{userId}` → JSON ErasureJob (no
 * expiry: it stays until the erasure is done) and `erasures` → sorted set of
 * user ids scored by start time.
 */
export class UpstashErasureJournal implements ErasureJournal {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  open(job: ErasureJob): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      await this.redis.eval(OPEN, [jobKey(job.userId), INDEX], [JSON.stringify(job), String(job.startedAt), job.userId]);
    });
  }

  pending(startedBefore: number, limit: number): Promise<ErasureJob[]> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      const ids = await this.redis.zrange<string[]>(INDEX, "-inf", startedBefore, { byScore: true, offset: 0, count: limit });
      if (ids.length === 0) return [];
      const raw = await this.redis.mget<unknown[]>(...ids.map(jobKey));
      return raw.map((v) => parseStored<ErasureJob>(v)).filter((j): j is ErasureJob => j !== null);
    });
  }

  failed(userId: string): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      await this.redis.eval(FAILED, [jobKey(userId)], []);
    });
  }

  close(userId: string): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      const tx = this.redis.multi();
      tx.del(jobKey(userId));
      tx.zrem(INDEX, userId);
      await tx.exec();
    });
  }

  count(): Promise<number> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => await this.redis.zcard(INDEX));
  }
}
