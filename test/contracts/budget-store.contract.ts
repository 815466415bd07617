import { describe, expect, it } from "vitest";
import type { BudgetRule, BudgetStore } from "../../src/domain/budgets";
import { rid } from "./util";

/** Behaviour every BudgetStore adapter must have (FRAUD-03, FRAUD-04). */
export function budgetStoreContract(name: string, make: () => BudgetStore | Promise<BudgetStore>): void {
  describe(`BudgetStore contract: ${name}`, () => {
    const rules = (now: number, limits: number[]): BudgetRule[] => limits.map((limit) => ({ key: `t:${rid()}`, limit, resetAt: now + 3_600_000 }));

    it("FRAUD-03: charges every rule or none, naming the first rule at its limit; refunds give units back", async () => {
      const store = await make();
      const now = Date.now();
      const [a, b] = rules(now, [3, 2]);
      const watch = `w:${rid()}`;
      expect(await store.charge([a!, b!], `b:${rid()}`, [watch], now)).toEqual({ status: "charged", counts: [1, 1], watched: [0] });
      expect(await store.charge([a!, b!], `b:${rid()}`, [watch], now)).toEqual({ status: "charged", counts: [2, 2], watched: [0] });
      // b is full: nothing is charged, not even a.
      expect(await store.charge([a!, b!], `b:${rid()}`, [], now)).toEqual({ status: "over", index: 1 });
      expect(await store.charge([a!], `b:${rid()}`, [], now)).toEqual({ status: "charged", counts: [3], watched: [] });
      await store.refund([a!, b!], now);
      expect(await store.charge([b!], `b:${rid()}`, [], now)).toEqual({ status: "charged", counts: [2], watched: [] });
      // Infinity counts without ever refusing.
      const [open] = rules(now, [Infinity]);
      for (let i = 1; i <= 3; i++) expect(await store.charge([open!], `b:${rid()}`, [], now)).toMatchObject({ counts: [i] });
    });

    it("FRAUD-03: exact under concurrency: of 30 concurrent charges against a limit of 10, exactly 10 are charged", async () => {
      const store = await make();
      const now = Date.now();
      const [limited, other] = rules(now, [10, Infinity]);
      const results = await Promise.all(Array.from({ length: 30 }, () => store.charge([other!, limited!], `b:${rid()}`, [], now)));
      expect(results.filter((r) => r.status === "charged")).toHaveLength(10);
      expect(results.filter((r) => r.status === "over")).toHaveLength(20);
      // The refused charges did not count on the other rule either.
      expect(await store.charge([other!], `b:${rid()}`, [], now)).toMatchObject({ counts: [11] });
    });

    it("FRAUD-04: counts bumps for the watched keys, blocks until a time, and windows end at resetAt", async () => {
      const store = await make();
      const now = Date.now();
      const verified = `v:${rid()}`;
      const block = `b:${rid()}`;
      await store.bump(verified, now + 60_000, now);
      await store.bump(verified, now + 60_000, now);
      const [r] = rules(now, [5]);
      expect(await store.charge([r!], block, [verified], now)).toMatchObject({ status: "charged", watched: [2] });
      await store.block(block, now + 30_000, now);
      expect(await store.charge([r!], block, [verified], now + 1)).toEqual({ status: "blocked", until: now + 30_000 });
      expect((await store.charge([r!], block, [verified], now + 30_001)).status).toBe("charged");
      // After its window the counter starts again (a new rule key per window in use; the same key after resetAt too).
      const [short] = [{ key: `t:${rid()}`, limit: 1, resetAt: now + 1000 }];
      expect((await store.charge([short], `b:${rid()}`, [], now)).status).toBe("charged");
      expect((await store.charge([short], `b:${rid()}`, [], now + 500)).status).toBe("over");
    });
  });
}
