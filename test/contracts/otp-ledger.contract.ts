import { describe, expect, it } from "vitest";
import type { CheckOutcome, OtpLedger } from "../../src/domain/ports";
import { rid } from "./util";

/**
 * Behaviour every OtpLedger adapter must have: the rules of
 * src/domain/phone-ledger.ts, step by step and under concurrency.
 *
 * Time: each test reads the clock when it runs and moves time only through
 * `now`. Codes get real lifetimes of minutes, so a store that also expires
 * keys at rest (Redis PXAT, alarms) never drops one during a test.
 */
export function otpLedgerContract(name: string, make: () => OtpLedger | Promise<OtpLedger>): void {
  describe(`OtpLedger contract: ${name}`, () => {
    const issuePolicy = { ttlMs: 300_000, cooldownMs: 30_000, maxSendsPerHour: 3 };
    const attempts = { maxAttempts: 3, lockoutMs: 900_000, windowMs: 3_600_000 };
    const found = async (): Promise<string> => "user";

    /** Runs a check as the domain does, including its follow-up (normally after the answer). */
    async function check(l: OtpLedger, phone: string, guess: string, now: number, onMatch = found): Promise<CheckOutcome<string>> {
      const outcome = await l.check(phone, "sign_in", guess, attempts, now, onMatch);
      if (outcome.status === "verified") await outcome.followUp?.();
      return outcome;
    }

    async function issued(l: OtpLedger, phone: string, digest: string, now: number, policy = issuePolicy): Promise<string> {
      const outcome = await l.issue(phone, "sign_in", digest, policy, now);
      if (!outcome.issued) throw new Error(`expected an issue, got ${JSON.stringify(outcome)}`);
      return outcome.ticket;
    }

    it("issues a code that a right guess consumes once, starting onMatch; a wrong guess never starts it", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      await issued(l, phone, "right", now);
      let started = 0;
      const onMatch = async (): Promise<string> => {
        started++;
        return "user-1";
      };
      expect(await check(l, phone, "wrong", now, onMatch)).toEqual({ status: "wrong", attemptsRemaining: 2 });
      expect(started).toBe(0);
      const ok = await check(l, phone, "right", now, onMatch);
      expect(ok.status).toBe("verified");
      if (ok.status !== "verified") return;
      expect(await ok.matched).toBe("user-1");
      expect(ok.record).toMatchObject({ digest: "right", expiresAt: now + 300_000 });
      expect((await check(l, phone, "right", now, onMatch)).status).toBe("no_code");
      expect(started).toBe(1);
    });

    it("without a live code answers no_code and counts nothing", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      for (let i = 0; i < 5; i++) expect(await check(l, phone, "guess", now)).toEqual({ status: "no_code", reason: "no_live_code" });
      await issued(l, phone, "right", now);
      expect(await check(l, phone, "guess", now)).toEqual({ status: "wrong", attemptsRemaining: 2 });
    });

    it("a code is gone once `now` reaches its expiry, on the caller's clock", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      await issued(l, phone, "right", now, { ...issuePolicy, ttlMs: 120_000 });
      expect((await check(l, phone, "right", now + 120_000)).status).toBe("no_code");
      const p2 = rid();
      await issued(l, p2, "right", now, { ...issuePolicy, ttlMs: 120_000 });
      expect((await check(l, p2, "right", now + 119_999)).status).toBe("verified");
      // A wrong guess at the expiry instant is not counted either.
      const p3 = rid();
      await issued(l, p3, "right", now, { ...issuePolicy, ttlMs: 120_000 });
      expect((await check(l, p3, "wrong", now + 120_000)).status).toBe("no_code");
      await issued(l, p3, "again", now + 120_000);
      expect(await check(l, p3, "wrong", now + 120_000)).toEqual({ status: "wrong", attemptsRemaining: 2 });
    });

    it("locks after maxAttempts wrong guesses, refuses even the right code without extending the lockout, then counts afresh", async () => {
      const l = await make();
      const phone = rid();
      const t0 = Date.now();
      await issued(l, phone, "right", t0, { ...issuePolicy, ttlMs: 3_600_000 });
      const remaining = [];
      for (let i = 0; i < 3; i++) {
        const o = await check(l, phone, "wrong", t0 + i);
        if (o.status === "wrong") remaining.push(o.attemptsRemaining);
      }
      expect(remaining).toEqual([2, 1, 0]);
      expect(await check(l, phone, "right", t0 + 10)).toEqual({ status: "locked", retryAfterMs: 900_000 - 8 });
      expect(await check(l, phone, "wrong", t0 + 500_000)).toEqual({ status: "locked", retryAfterMs: 400_002 });
      // The right code survived the lockout and works once it ends.
      expect((await check(l, phone, "right", t0 + 2 + 900_000)).status).toBe("verified");
    });

    it("a success forgets earlier failures; a new code does not (OTP-07, OTP-08)", async () => {
      const l = await make();
      const now = Date.now();
      const a = rid();
      await issued(l, a, "right", now);
      await check(l, a, "wrong", now);
      await check(l, a, "wrong", now);
      expect((await check(l, a, "right", now)).status).toBe("verified");
      await issued(l, a, "next", now + 60_000);
      expect(await check(l, a, "wrong", now + 60_000)).toEqual({ status: "wrong", attemptsRemaining: 2 });

      const b = rid();
      await issued(l, b, "first", now);
      await check(l, b, "wrong", now);
      await check(l, b, "wrong", now);
      await issued(l, b, "second", now + 60_000);
      expect(await check(l, b, "wrong", now + 60_000)).toEqual({ status: "wrong", attemptsRemaining: 0 });
    });

    it("refuses an issue in the cooldown, over the hourly quota or during a lockout, never replacing the pending code", async () => {
      const l = await make();
      const phone = rid();
      const t = Date.now();
      await issued(l, phone, "c1", t);
      expect(await l.issue(phone, "sign_in", "x", issuePolicy, t + 10_000)).toEqual({ issued: false, reason: "resend_cooldown", retryAfterMs: 20_000 });
      expect((await check(l, phone, "c1", t + 10_000)).status).toBe("verified");
      // Exact boundaries: refused 1 ms before the cooldown ends, granted at its end.
      expect(await l.issue(phone, "sign_in", "x", issuePolicy, t + 29_999)).toEqual({ issued: false, reason: "resend_cooldown", retryAfterMs: 1 });
      await issued(l, phone, "c2", t + 30_000);
      await issued(l, phone, "c3", t + 60_000);
      expect(await l.issue(phone, "sign_in", "x", issuePolicy, t + 100_000)).toEqual({ issued: false, reason: "hourly_limit", retryAfterMs: 3_600_000 - 100_000 });
      // The oldest send leaves the window exactly an hour after it was made.
      expect(await l.issue(phone, "sign_in", "x", issuePolicy, t + 3_599_999)).toEqual({ issued: false, reason: "hourly_limit", retryAfterMs: 1 });
      expect((await l.issue(phone, "sign_in", "c4", issuePolicy, t + 3_600_000)).issued).toBe(true);

      const locked = rid();
      await issued(l, locked, "right", t, { ...issuePolicy, ttlMs: 3_600_000 });
      for (let i = 0; i < 3; i++) await check(l, locked, "wrong", t);
      expect(await l.issue(locked, "sign_in", "new", issuePolicy, t + 60_000)).toEqual({ issued: false, reason: "locked_out", retryAfterMs: 840_000 });
      // Not stored: after the lockout the old code is still the pending one.
      expect((await check(l, locked, "new", t + 900_001)).status).toBe("wrong");
    });

    it("withdraw frees the send slot and deletes its own code, never a newer one", async () => {
      const l = await make();
      const phone = rid();
      const t = Date.now();
      const policy = { ...issuePolicy, cooldownMs: 0, maxSendsPerHour: 1 };
      const first = await issued(l, phone, "c1", t, policy);
      await l.withdraw(phone, "sign_in", first, t);
      expect((await check(l, phone, "c1", t)).status).toBe("no_code");
      const second = await issued(l, phone, "c2", t, policy);
      expect((await l.issue(phone, "sign_in", "x", policy, t)).issued).toBe(false);

      const other = rid();
      const old = await issued(l, other, "old", t, { ...policy, maxSendsPerHour: 2 });
      await issued(l, other, "new", t, { ...policy, maxSendsPerHour: 2 });
      await l.withdraw(other, "sign_in", old, t);
      expect((await check(l, other, "new", t)).status).toBe("verified");
      expect(second).not.toBe(first);
    });

    it("withdrawing an issue brings back the live code it replaced, and only that issue's", async () => {
      const l = await make();
      const phone = rid();
      const t = Date.now();
      const policy = { ...issuePolicy, cooldownMs: 0 };
      await issued(l, phone, "sent", t, policy);
      const unsent = await issued(l, phone, "unsent", t + 1, policy);
      await l.withdraw(phone, "sign_in", unsent, t + 1);
      expect((await check(l, phone, "unsent", t + 1)).status).toBe("wrong");
      expect((await check(l, phone, "sent", t + 1)).status).toBe("verified");

      // A replaced code that expired meanwhile stays gone.
      const p2 = rid();
      await issued(l, p2, "old", t, { ...policy, ttlMs: 60_000 });
      const late = await issued(l, p2, "late", t + 1, policy);
      await l.withdraw(p2, "sign_in", late, t + 60_000);
      expect((await check(l, p2, "old", t + 60_000)).status).toBe("no_code");
    });

    it("restore puts back a consumed code, but never over a newer one and never an expired one", async () => {
      const l = await make();
      const phone = rid();
      const t = Date.now();
      await issued(l, phone, "c1", t, { ...issuePolicy, cooldownMs: 0 });
      const ok = await check(l, phone, "c1", t);
      if (ok.status !== "verified") throw new Error("expected verified");
      await l.restore(phone, "sign_in", ok.record, t);
      expect((await check(l, phone, "c1", t)).status).toBe("verified");

      await issued(l, phone, "c2", t + 1, { ...issuePolicy, cooldownMs: 0 });
      await l.restore(phone, "sign_in", ok.record, t + 1);
      expect((await check(l, phone, "c2", t + 1)).status).toBe("verified");

      await l.restore(phone, "sign_in", ok.record, ok.record.expiresAt);
      expect((await check(l, phone, "c1", t + 2)).status).toBe("no_code");
    });

    it("keeps purposes apart", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      await l.issue(phone, "step_up", "s", issuePolicy, now);
      expect((await check(l, phone, "s", now)).status).toBe("no_code");
      const stepUp = await l.check(phone, "step_up", "s", attempts, now, found);
      expect(stepUp.status).toBe("verified");
    });

    it("of 50 concurrent wrong guesses exactly maxAttempts are counted; the rest are refused as locked", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      await issued(l, phone, "right", now);
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => check(l, phone, "wrong", now)));
      expect(outcomes.filter((o) => o.status === "wrong")).toHaveLength(3);
      expect(outcomes.filter((o) => o.status === "locked")).toHaveLength(47);
    });

    it("of 20 concurrent right guesses exactly one is verified", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      await issued(l, phone, "right", now);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => l.check(phone, "sign_in", "right", { ...attempts, maxAttempts: 50 }, now, found)));
      expect(outcomes.filter((o) => o.status === "verified")).toHaveLength(1);
    });

    it("after two wrong guesses, the right code sent twice at once signs in exactly once (never zero)", async () => {
      const l = await make();
      const now = Date.now();
      for (let round = 0; round < 10; round++) {
        const phone = rid();
        await issued(l, phone, "right", now);
        await check(l, phone, "wrong", now);
        await check(l, phone, "wrong", now);
        const outcomes = await Promise.all([check(l, phone, "right", now), check(l, phone, "right", now)]);
        expect(outcomes.filter((o) => o.status === "verified")).toHaveLength(1);
      }
    });

    it("of 10 concurrent issues within one cooldown exactly one stores a code", async () => {
      const l = await make();
      const phone = rid();
      const now = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => l.issue(phone, "sign_in", `c${i}`, issuePolicy, now)));
      expect(outcomes.filter((o) => o.issued)).toHaveLength(1);
    });

    it("DATA-02: erase forgets the key's codes, sends, attempts and lockout, and no other key's", async () => {
      const l = await make();
      const [phone, other] = [rid(), rid()];
      const now = Date.now();
      await issued(l, phone, "right", now);
      await issued(l, other, "theirs", now);
      for (let i = 0; i < 3; i++) await check(l, phone, "wrong", now);
      expect((await check(l, phone, "right", now)).status).toBe("locked");
      await l.erase(phone);
      // No code, no lockout, and a fresh send quota (no cooldown either).
      expect(await check(l, phone, "right", now)).toEqual({ status: "no_code", reason: "no_live_code" });
      await issued(l, phone, "again", now);
      expect((await check(l, phone, "again", now)).status).toBe("verified");
      expect((await check(l, other, "theirs", now)).status).toBe("verified");
      // Erasing a key never used is harmless.
      await l.erase(rid());
    });

    it("answers ping", async () => {
      const l = await make();
      await expect(l.ping()).resolves.toBeUndefined();
    });
  });
}
