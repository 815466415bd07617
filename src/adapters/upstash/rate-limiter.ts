import type { Redis } from "@upstash/redis/cloudflare";
import type { RateDecision, RateLimiter, RateRule } from "../../domain/ports";
import { randomId } from "../../lib/crypto";
import { withDeadline } from "../../lib/deadline";

// Exact sliding-window log in a sorted set (score = hit time). Pruning,
// counting and adding run in one script, so concurrent hits cannot overrun
// the limit. Used for the strict per-phone quotas (cooldown, hourly cap).
const HIT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
-- The same token twice (a replayed call) is the same grant, not a new hit.
if redis.call('ZSCORE', key, ARGV[4]) then return {1, limit - redis.call('ZCARD', key)} end
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window + 1000)
return {1, limit - count - 1}
`;

const key = (k: string): string => `rl:${k}`;

/** Production RateLimiter (exact): `rl:{key}` sorted set of hit tokens, expiring one window after the last hit. */
export class UpstashRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  hit(k: string, rule: RateRule, now: number): Promise<RateDecision> {
    return withDeadline("rate-limiter", this.timeoutMs, async () => {
      const token = randomId(12);
      const [allowed, value] = (await this.redis.eval(HIT, [key(k)], [String(now), String(rule.windowMs), String(rule.limit), token])) as [number, number];
      if (Number(allowed) === 1) return { allowed: true, remaining: Number(value), token };
      return { allowed: false, retryAfterMs: Math.max(1, Number(value)) };
    });
  }

  refund(k: string, token: string): Promise<void> {
    return withDeadline("rate-limiter", this.timeoutMs, async () => {
      await this.redis.zrem(key(k), token);
    });
  }
}
