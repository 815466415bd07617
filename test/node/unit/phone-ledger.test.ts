/**
 * The per-phone state machine (src/domain/phone-ledger.ts) on its own: the
 * OtpLedger contract run over the pure functions (as the PhoneLedger Durable
 * Object runs them), plus the housekeeping the alarm relies on. Node-side so
 * StrykerJS can mutate it.
 */
import { describe, expect, it } from "vitest";
import { checkCode, countAttempt, emptyLedger, HOUR_MS, issueCode, LOCKOUT_MEMORY_MS, MAX_LOCKOUT_MS, NO_ATTEMPTS, nextWakeAt, sweepLedger, type Attempts } from "../../../src/domain/phone-ledger";
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
    // FRAUD-06: the run of lockouts is remembered for a quiet day after the lockout ends.
    sweepLedger(s, 2 * HOUR_MS + 10);
    expect(s.attempts.lockouts).toBe(1);
    expect(nextWakeAt(s)).toBe(2 * HOUR_MS + 10 + LOCKOUT_MEMORY_MS);
    sweepLedger(s, 2 * HOUR_MS + 10 + LOCKOUT_MEMORY_MS);
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

describe("escalating lockouts (FRAUD-06)", () => {
  const rule = { maxAttempts: 3, lockoutMs: 15 * 60_000, windowMs: HOUR_MS };

  /** An attacker who guesses wrong at every moment an attempt is allowed, for `hours`; the times each guess was evaluated. */
  function relentless(hours: number, start = 0): number[] {
    let state: Attempts = { ...NO_ATTEMPTS };
    const evaluated: number[] = [];
    for (let t = start; t < start + hours * HOUR_MS; ) {
      const { decision, attempts } = countAttempt(state, rule, t);
      if (decision.allowed) {
        evaluated.push(t);
        state = attempts;
        t += 1000;
      } else {
        t += decision.retryAfterMs;
      }
    }
    return evaluated;
  }

  it("FRAUD-06: each lockout in a row doubles (15 min, 30 min, 1 h, …) up to 24 h", () => {
    let state: Attempts = { ...NO_ATTEMPTS };
    const lengths: number[] = [];
    let t = 0;
    for (let lock = 0; lock < 10; lock++) {
      for (let i = 0; i < 3; i++) state = countAttempt(state, rule, t).attempts;
      lengths.push(state.lockedUntil - t);
      t = state.lockedUntil;
    }
    const m = 60_000;
    expect(lengths).toEqual([15 * m, 30 * m, 60 * m, 120 * m, 240 * m, 480 * m, 960 * m, MAX_LOCKOUT_MS, MAX_LOCKOUT_MS, MAX_LOCKOUT_MS]);
  });

  it("FRAUD-06: at default settings at most 24 wrong codes are evaluated in any 24 hours, however long the attack", () => {
    const times = relentless(24 * 7);
    let worst = 0;
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j < times.length && times[j]! < times[i]! + 24 * HOUR_MS) j++;
      worst = Math.max(worst, j - i);
    }
    expect(worst).toBeLessThanOrEqual(24);
    // And far below NIST SP 800-63B's 100 consecutive failures over a whole week.
    expect(times.length).toBeLessThan(50);
    // A fixed 15-minute lockout would have allowed 288 a day.
  });

  it("FRAUD-06: a success forgets the run; so does a quiet day after the last lockout, and not less", () => {
    let state: Attempts = { ...NO_ATTEMPTS };
    for (let i = 0; i < 3; i++) state = countAttempt(state, rule, 0).attempts;
    for (let i = 0; i < 3; i++) state = countAttempt(state, rule, state.lockedUntil).attempts;
    expect(state.lockouts).toBe(2);
    const end = state.lockedUntil;
    // Back within a day of the lockout's end: the next lockout is longer still.
    let soon = state;
    for (let i = 0; i < 3; i++) soon = countAttempt(soon, rule, end + LOCKOUT_MEMORY_MS - 1000).attempts;
    expect(soon.lockedUntil - (end + LOCKOUT_MEMORY_MS - 1000)).toBe(60 * 60_000);
    // After a quiet day: back to 15 minutes.
    let later = state;
    for (let i = 0; i < 3; i++) later = countAttempt(later, rule, end + LOCKOUT_MEMORY_MS + 1000).attempts;
    expect(later.lockedUntil - (end + LOCKOUT_MEMORY_MS + 1000)).toBe(15 * 60_000);
    // A right code resets everything (checkCode's success path).
    const s = emptyLedger();
    issueCode(s, "sign_in", "right", "t", { ttlMs: 10 * HOUR_MS, cooldownMs: 0, maxSendsPerHour: 10 }, 0);
    s.attempts = { ...state, lockedUntil: 0 };
    expect(checkCode(s, "sign_in", "right", rule, end + 1).status).toBe("verified");
    expect(s.attempts).toEqual(NO_ATTEMPTS);
  });
});
