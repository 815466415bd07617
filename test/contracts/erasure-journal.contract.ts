import { describe, expect, it } from "vitest";
import type { ErasureJob, ErasureJournal } from "../../src/domain/erasure";
import { phoneHashLike, rid } from "./util";

const job = (startedAt: number): ErasureJob => ({ userId: rid(), phoneHash: phoneHashLike(), tombstoneId: `t_${rid()}`, startedAt, attempts: 0 });

/** Behaviour every ErasureJournal adapter must have (DATA-02: an erasure that fails half-way is not lost). Stores are shared: only this test's jobs are looked at. */
export function erasureJournalContract(name: string, make: () => ErasureJournal | Promise<ErasureJournal>): void {
  describe(`ErasureJournal contract: ${name}`, () => {
    it("DATA-02: keeps an open job until it is closed, lists it once started long enough ago, and counts its failed runs", async () => {
      const journal = await make();
      // Far in the past: older than anything another test opens.
      const t = 1_000_000 + Math.floor(Math.random() * 1_000_000);
      const a = job(t);
      const b = job(t + 10);
      await journal.open(b);
      await journal.open(a);
      const before = await journal.count();
      expect(before).toBeGreaterThanOrEqual(2);
      // Opening again keeps the first record (its start time and attempts).
      await journal.open({ ...a, startedAt: t + 99, attempts: 7 });
      const mine = async (before: number): Promise<ErasureJob[]> => (await journal.pending(before, 1000)).filter((j) => j.userId === a.userId || j.userId === b.userId);
      expect(await mine(t + 5)).toEqual([a]);
      expect((await mine(t + 10)).map((j) => j.userId)).toEqual([a.userId, b.userId]);
      await journal.failed(a.userId);
      await journal.failed(a.userId);
      expect((await mine(t + 5))[0]).toEqual({ ...a, attempts: 2 });
      await journal.close(a.userId);
      expect((await mine(t + 10)).map((j) => j.userId)).toEqual([b.userId]);
      await journal.close(b.userId);
      expect(await mine(t + 10)).toEqual([]);
      // Closing twice and failing a closed job are harmless.
      await journal.close(b.userId);
      await journal.failed(b.userId);
      expect(await mine(t + 10)).toEqual([]);
    });
  });
}
