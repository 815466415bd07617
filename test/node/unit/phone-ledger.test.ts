/**
 * The per-phone state machine (src/domain/phone-ledger.ts) on its own: the
 * OtpLedger contract run over the pure functions (as the PhoneLedger Durable
 * Object runs them), plus the housekeeping the alarm relies on. Node-side so
 * StrykerJS can mutate it.
 */
import { describe, expect, it } from "vitest";
import { checkCode, emptyLedger, HOUR_MS, issueCode, nextWakeAt, sweepLedger } from "../../../src/domain/phone-ledger";
import { otpLedgerContract } from "../../contracts/otp-ledger.contract";
import { MemoryOtpLedger } from "./memory-deps";

otpLedgerContract("pure state machine (in memory)", () => new MemoryOtpLedger());

describe("ledger housekeeping (alarms)", () => {
  const policy = { ttlMs: 300_000, cooldownMs: 60_000, maxSendsPerHour: 3 };
  const attempts = { maxAttempts: 3, lockoutMs: 900_000, windowMs: 3_600_000 };

  it("OTP-03: wakes at the earliest of code expiry, send release and attempt forgetting; empty state never wakes", () => {
    const s = emptyLedger();
    expect(nextWakeAt(s)).toBeNull();
    expect(nextWakeAt(s)).toBeNull();
    issueCode(s, "sign_in", "d", "t1", policy, 1_000);
    expect(nextWakeAt(s)).toBe(301_000);
    expect(nextWakeAt(s)).not.toBeNull();
    checkCode(s, "sign_in", "wrong", attempts, 2_000);
    sweepLedger(s, 301_000);
    // The code is gone; the send (until 1 h after it) and the failure (until the window ends) remain.
    expect(s.codes).toEqual({});
    expect(nextWakeAt(s)).toBe(1_000 + HOUR_MS);
    sweepLedger(s, 1_000 + HOUR_MS);
    expect(s.sends).toEqual([]);
    expect(nextWakeAt(s)).toBe(2_000 + attempts.windowMs);
    sweepLedger(s, 2_000 + attempts.windowMs);
    expect(nextWakeAt(s)).toBeNull();
    expect(nextWakeAt(s)).toBeNull();
  });

  it("a lockout is kept until it ends, even past the failure window", () => {
    const s = emptyLedger();
    issueCode(s, "sign_in", "d", "t1", { ...policy, ttlMs: 3_600_000 }, 0);
    for (let i = 0; i < 3; i++) checkCode(s, "sign_in", "wrong", { ...attempts, lockoutMs: 2 * HOUR_MS }, 10);
    expect(nextWakeAt(s)).toBe(HOUR_MS);
    sweepLedger(s, HOUR_MS + 10);
    expect(s.attempts.lockedUntil).toBe(2 * HOUR_MS + 10);
    sweepLedger(s, 2 * HOUR_MS + 10);
    expect(nextWakeAt(s)).toBeNull();
  });

  it("a lockout that ended, or failures older than the window, leave the full allowance", () => {
    const long = { ...policy, ttlMs: 3 * HOUR_MS };
    const s = emptyLedger();
    issueCode(s, "sign_in", "d", "t1", long, 0);
    for (let i = 0; i < 3; i++) checkCode(s, "sign_in", "w", attempts, 0);
    expect(checkCode(s, "sign_in", "w", attempts, 900_000)).toEqual({ status: "wrong", attemptsRemaining: 2 });
    const t = emptyLedger();
    issueCode(t, "sign_in", "d", "t1", long, 0);
    checkCode(t, "sign_in", "w", attempts, 0);
    checkCode(t, "sign_in", "w", attempts, 0);
    expect(checkCode(t, "sign_in", "w", attempts, attempts.windowMs + 1)).toEqual({ status: "wrong", attemptsRemaining: 2 });
  });

  it("a code kept for a withdraw expires with the code it holds", () => {
    const s = emptyLedger();
    issueCode(s, "sign_in", "a", "t1", { ...policy, cooldownMs: 0, ttlMs: 100_000 }, 0);
    issueCode(s, "sign_in", "b", "t2", { ...policy, cooldownMs: 0 }, 1);
    expect(s.replaced.sign_in?.by).toBe("t2");
    expect(nextWakeAt(s)).toBe(100_000);
    sweepLedger(s, 100_000);
    expect(s.replaced).toEqual({});
    expect(s.codes.sign_in?.digest).toBe("b");
  });
});
