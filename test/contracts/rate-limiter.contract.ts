import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../src/domain/ports";
import { rid } from "./util";

export interface RateLimiterTraits {
  /** Exact sliding log on the caller's clock (false: the adapter keeps its own time). */
  exactOnCallerClock: boolean;
}

/** Behaviour every RateLimiter adapter must have. */
export function rateLimiterContract(name: string, make: () => RateLimiter | Promise<RateLimiter>, traits: RateLimiterTraits): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const rule = { limit: 3, windowMs: 60_000 };

    it("grants `limit` hits, then refuses with a Retry-After inside the window", async () => {
      const l = await make();
      const k = rid();
      const now = Date.now();
      const remaining = [];
      for (let i = 0; i < 3; i++) {
        const d = await l.hit(k, rule, now);
        expect(d.allowed).toBe(true);
        if (d.allowed) remaining.push(d.remaining);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const denied = await l.hit(k, rule, now);
      expect(denied.allowed).toBe(false);
      if (!denied.allowed) {
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(rule.windowMs);
      }
      expect((await l.hit(rid(), rule, now)).allowed).toBe(true);
    });

    it("a refund frees the slot it took", async () => {
      const l = await make();
      const k = rid();
      const now = Date.now();
      const first = await l.hit(k, { limit: 1, windowMs: 60_000 }, now);
      expect(first.allowed).toBe(true);
      expect((await l.hit(k, { limit: 1, windowMs: 60_000 }, now)).allowed).toBe(false);
      if (first.allowed) await l.refund(k, first.token);
      expect((await l.hit(k, { limit: 1, windowMs: 60_000 }, now)).allowed).toBe(true);
    });

    it("DATA-02: a reset forgets every hit of the key, and no other key's", async () => {
      const l = await make();
      const [k, other] = [rid(), rid()];
      for (let i = 0; i < 3; i++) {
        await l.hit(k, rule, Date.now());
        await l.hit(other, rule, Date.now());
      }
      expect((await l.hit(k, rule, Date.now())).allowed).toBe(false);
      await l.reset(k, rule, Date.now());
      const again = await l.hit(k, rule, Date.now());
      expect(again).toMatchObject({ allowed: true, remaining: 2 });
      expect((await l.hit(other, rule, Date.now())).allowed).toBe(false);
      await l.reset(rid(), rule, Date.now());
    });

    it("grants exactly `limit` of 20 concurrent hits", async () => {
      const l = await make();
      const k = rid();
      const now = Date.now();
      const decisions = await Promise.all(Array.from({ length: 20 }, () => l.hit(k, { limit: 5, windowMs: 60_000 }, now)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });

    it.runIf(traits.exactOnCallerClock)("slides exactly: a slot frees when its hit leaves the window", async () => {
      const l = await make();
      const k = rid();
      const t = Date.now();
      await l.hit(k, rule, t);
      await l.hit(k, rule, t + 10_000);
      await l.hit(k, rule, t + 20_000);
      const denied = await l.hit(k, rule, t + 59_999);
      expect(denied).toEqual({ allowed: false, retryAfterMs: 1 });
      expect((await l.hit(k, rule, t + 60_000)).allowed).toBe(true);
      expect((await l.hit(k, rule, t + 60_001)).allowed).toBe(false);
    });
  });
}
