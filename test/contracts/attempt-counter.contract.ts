import { describe, expect, it } from "vitest";
import type { AttemptCounter } from "../../src/domain/ports";
import { rid } from "./util";

/** Behaviour every AttemptCounter adapter must have. */
export function attemptCounterContract(name: string, make: () => AttemptCounter | Promise<AttemptCounter>): void {
  describe(`AttemptCounter contract: ${name}`, () => {
    const policy = { maxAttempts: 3, lockoutMs: 900_000, windowMs: 3_600_000 };
    const t0 = Date.now();

    it("counts attempts down to zero, then refuses for the lockout without extending it", async () => {
      const c = await make();
      const k = rid();
      const remaining = [];
      for (let i = 0; i < 3; i++) {
        const d = await c.acquire(k, policy, t0 + i);
        expect(d.allowed).toBe(true);
        if (d.allowed) remaining.push(d.attemptsRemaining);
      }
      expect(remaining).toEqual([2, 1, 0]);
      expect(await c.acquire(k, policy, t0 + 10)).toEqual({ allowed: false, retryAfterMs: 900_000 - 8 });
      expect(await c.acquire(k, policy, t0 + 500_000)).toEqual({ allowed: false, retryAfterMs: 400_002 });
      const after = await c.acquire(k, policy, t0 + 2 + 900_000);
      expect(after).toEqual({ allowed: true, attemptsRemaining: 2 });
    });

    it("reset clears failures and lockout; old failures are forgotten after the window", async () => {
      const c = await make();
      const k = rid();
      for (let i = 0; i < 3; i++) await c.acquire(k, policy, t0);
      await c.reset(k);
      expect(await c.acquire(k, policy, t0)).toEqual({ allowed: true, attemptsRemaining: 2 });
      const k2 = rid();
      await c.acquire(k2, policy, t0);
      expect(await c.acquire(k2, policy, t0 + policy.windowMs + 1)).toEqual({ allowed: true, attemptsRemaining: 2 });
    });

    it("lockedFor tells the time left of a lockout, counts nothing and is 0 otherwise", async () => {
      const c = await make();
      const k = rid();
      expect(await c.lockedFor(k, t0)).toBe(0);
      for (let i = 0; i < 2; i++) await c.acquire(k, policy, t0);
      expect(await c.lockedFor(k, t0)).toBe(0);
      // Reading does not count: the third attempt is still allowed, and it locks.
      expect(await c.acquire(k, policy, t0 + 1)).toEqual({ allowed: true, attemptsRemaining: 0 });
      expect(await c.lockedFor(k, t0 + 100)).toBe(900_000 - 99);
      expect(await c.lockedFor(k, t0 + 1 + 900_000)).toBe(0);
    });

    it("lets exactly maxAttempts of 50 concurrent attempts through", async () => {
      const c = await make();
      const k = rid();
      const decisions = await Promise.all(Array.from({ length: 50 }, () => c.acquire(k, policy, t0)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    });
  });
}
