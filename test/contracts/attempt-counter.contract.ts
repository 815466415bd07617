import { describe, expect, it } from "vitest";
import { countAttempt, NO_ATTEMPTS, type Attempts } from "../../src/domain/phone-ledger";
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

    it("FRAUD-06: each lockout in a row lasts twice the one before; a success forgets the run", async () => {
      const c = await make();
      const k = rid();
      let t = t0;
      const lockouts: number[] = [];
      for (let run = 0; run < 3; run++) {
        for (let i = 0; i < 3; i++) expect((await c.acquire(k, policy, t)).allowed).toBe(true);
        lockouts.push(await c.lockedFor(k, t));
        t += lockouts.at(-1)! + 1;
      }
      expect(lockouts).toEqual([900_000, 1_800_000, 3_600_000]);
      await c.reset(k);
      for (let i = 0; i < 3; i++) await c.acquire(k, policy, t);
      expect(await c.lockedFor(k, t)).toBe(900_000);
    });

    it("answers every step of random attempt sequences exactly as the domain rule (countAttempt) does", async () => {
      const c = await make();
      // A seeded generator: a failure names its sequence and is reproducible.
      let seed = 0x9e3779b9;
      const next = (n: number): number => {
        seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
        return seed % n;
      };
      // The exact window and memory lengths too: the rule's `>` comparisons sit on them.
      const gaps = [0, 1, 1_000, 60_000, 899_999, 900_000, 1_800_001, 3_600_000, 3_600_001, 86_400_000, 86_400_001];
      for (let run = 0; run < 6; run++) {
        const k = rid();
        const small = { maxAttempts: 1 + next(4), lockoutMs: 900_000, windowMs: 3_600_000 };
        let model: Attempts = { ...NO_ATTEMPTS };
        let t = t0;
        for (let step = 0; step < 40; step++) {
          t += gaps[next(gaps.length)]!;
          if (next(12) === 0) {
            await c.reset(k);
            model = { ...NO_ATTEMPTS };
            continue;
          }
          const expected = countAttempt(model, small, t);
          model = expected.attempts;
          expect(await c.acquire(k, small, t), `run ${run} step ${step}`).toEqual(expected.decision);
          expect(await c.lockedFor(k, t), `run ${run} step ${step}`).toBe(model.lockedUntil > t ? model.lockedUntil - t : 0);
        }
      }
    });

    it("erase forgets the lockout and the run of lockouts", async () => {
      const c = await make();
      const k = rid();
      for (let i = 0; i < 3; i++) await c.acquire(k, policy, t0);
      await c.erase(k);
      expect(await c.lockedFor(k, t0)).toBe(0);
      for (let i = 0; i < 3; i++) await c.acquire(k, policy, t0 + 1);
      expect(await c.lockedFor(k, t0 + 1)).toBe(900_000);
    });

    it("OTP-06, OTP-13: lets exactly maxAttempts of 50 concurrent attempts through", async () => {
      const c = await make();
      const k = rid();
      const decisions = await Promise.all(Array.from({ length: 50 }, () => c.acquire(k, policy, t0)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    });
  });
}
