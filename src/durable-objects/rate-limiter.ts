import { DurableObject } from "cloudflare:workers";
import type { RateDecision, RateRule } from "../domain/ports";

interface Hit {
  token: string;
  at: number;
}

const KEY = "hits";

/**
 * Embedded-profile sliding-window log: one instance per limit key, holding
 * the time of each granted hit in the window (at most `limit` entries). Exact,
 * not an approximation, and atomic because nothing yields mid-update.
 */
export class RateLimiter extends DurableObject {
  async hit(rule: RateRule, now: number, token: string): Promise<RateDecision> {
    const kv = this.ctx.storage.kv;
    const hits = (kv.get<Hit[]>(KEY) ?? []).filter((h) => h.at > now - rule.windowMs);
    if (hits.length >= rule.limit) {
      const oldest = hits.reduce((min, h) => Math.min(min, h.at), Infinity);
      kv.put(KEY, hits);
      return { allowed: false, retryAfterMs: Math.max(1, oldest + rule.windowMs - now) };
    }
    hits.push({ token, at: now });
    kv.put(KEY, hits);
    await this.ctx.storage.setAlarm(now + rule.windowMs + 1000);
    return { allowed: true, remaining: rule.limit - hits.length, token };
  }

  refund(token: string): void {
    const hits = this.ctx.storage.kv.get<Hit[]>(KEY) ?? [];
    this.ctx.storage.kv.put(KEY, hits.filter((h) => h.token !== token));
  }

  async reset(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
