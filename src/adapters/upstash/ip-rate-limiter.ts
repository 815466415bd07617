import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateDecision, RateLimiter, RateRule } from "../../domain/ports";
import { DependencyError } from "../../errors";
import { withDeadline } from "../../lib/deadline";

/**
 * Per-IP limits on @upstash/ratelimit's sliding window: two counters per key
 * instead of a log, which suits high-volume limits (100 per 5 minutes)
 * where a weighted approximation is fine. Strict per-phone quotas use the
 * exact UpstashRateLimiter instead.
 *
 * @upstash/ratelimit fails OPEN on timeout (it answers success with reason
 * "timeout"). An auth limit must fail closed, so that answer is turned into
 * a DependencyError (503) here (SEND-06).
 */
export class UpstashIpRateLimiter implements RateLimiter {
  private readonly limiters = new Map<string, Ratelimit>();

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  private limiter(rule: RateRule): Ratelimit {
    const id = `${rule.limit}:${rule.windowMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowMs} ms`),
        prefix: "rlip",
        timeout: this.timeoutMs,
        analytics: false,
        ephemeralCache: false,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  hit(key: string, rule: RateRule): Promise<RateDecision> {
    return withDeadline("ip-rate-limiter", this.timeoutMs + 500, async () => {
      const res = await this.limiter(rule).limit(key);
      if (res.reason === "timeout") throw new DependencyError("ip-rate-limiter", new Error("ratelimit timed out (failing closed)"));
      // The token records the rule, so a refund finds the same limiter.
      if (res.success) return { allowed: true, remaining: res.remaining, token: `${rule.limit}:${rule.windowMs}` };
      return { allowed: false, retryAfterMs: Math.max(1, res.reset - Date.now()) };
    });
  }

  reset(key: string, rule: RateRule, now: number): Promise<void> {
    return withDeadline("ip-rate-limiter", this.timeoutMs, async () => {
      // @upstash/ratelimit's sliding window keeps `rlip:{key}:{bucket}` for the current and previous bucket.
      // (Its own resetUsedTokens SCANs the whole keyspace inside a script: not on a production Redis.)
      const bucket = Math.floor(now / rule.windowMs);
      await this.redis.del(`rlip:${key}:${bucket}`, `rlip:${key}:${bucket - 1}`);
    });
  }

  refund(key: string, token: string): Promise<void> {
    const [limit, windowMs] = token.split(":").map(Number);
    if (!limit || !windowMs) return Promise.resolve();
    return withDeadline("ip-rate-limiter", this.timeoutMs + 500, async () => {
      // A negative rate gives the token back in the current window.
      await this.limiter({ limit, windowMs }).limit(key, { rate: -1 });
    });
  }
}
