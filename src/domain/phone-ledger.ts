/**
 * The per-phone state machine of sign-in codes, as pure functions over one
 * state object: the pending code of each purpose, the sends of the last
 * hour (resend cooldown and hourly quota) and the attempt counter. The
 * embedded profile keeps this state in one Durable Object per phone and runs
 * each step as one synchronous call, so every step is atomic by construction
 * (OTP-05, OTP-06, OTP-13). The Upstash adapter implements the same rules in
 * Redis scripts plus the attempt-counter Durable Object; one contract suite
 * (test/contracts/otp-ledger.contract.ts) holds both to them.
 *
 * Functions mutate the state they are given (the caller loaded it and saves
 * it after) and return the step's outcome.
 */
import { constantTimeEqual } from "../lib/crypto";
import type { AttemptDecision, AttemptPolicy, IssueOutcome, IssuePolicy, OtpPurpose, OtpRecord } from "./ports";

export const HOUR_MS = 3_600_000;

export interface LedgerState {
  codes: Partial<Record<OtpPurpose, OtpRecord>>;
  /** The live code an issue replaced, kept so withdrawing that issue brings it back. */
  replaced: Partial<Record<OtpPurpose, { by: string; record: OtpRecord }>>;
  /** Sends inside the last hour: the resend cooldown and the hourly quota. */
  sends: { ticket: string; at: number }[];
  attempts: Attempts;
}

/** Attempts counted since the last success, lockout end or quiet window. */
export interface Attempts {
  count: number;
  /** When the latest attempt was counted. */
  lastAt: number;
  /** While now < lockedUntil every attempt is refused. 0 when not locked. */
  lockedUntil: number;
  /** When the count no longer matters (lockout end or quiet window); 0 when nothing is counted. */
  forgetAt: number;
  /**
   * Lockouts in a row without a success (FRAUD-06): each one lasts twice the
   * one before, up to MAX_LOCKOUT_MS. Absent on states stored before it was kept.
   */
  lockouts?: number;
}

/** The longest lockout, however many came before (FRAUD-06). */
export const MAX_LOCKOUT_MS = 24 * 3600_000;
/** A run of lockouts is forgotten only after this long without an attempt once the last one ended. */
export const LOCKOUT_MEMORY_MS = 24 * 3600_000;

/** How long the next lockout lasts after `before` lockouts in a row: the base, doubled each time, capped. */
export function lockoutLength(baseMs: number, before: number): number {
  return Math.min(MAX_LOCKOUT_MS, baseMs * 2 ** Math.min(before, 16));
}

export type CheckStep =
  | { status: "verified"; record: OtpRecord }
  | { status: "no_code" }
  | { status: "locked"; retryAfterMs: number }
  | { status: "wrong"; attemptsRemaining: number };

export const NO_ATTEMPTS: Readonly<Attempts> = { count: 0, lastAt: 0, lockedUntil: 0, forgetAt: 0, lockouts: 0 };

export function emptyLedger(): LedgerState {
  return { codes: {}, replaced: {}, sends: [], attempts: { ...NO_ATTEMPTS } };
}

/** Milliseconds until a lockout ends; 0 when not locked out. */
export function lockoutLeft(attempts: Attempts, now: number): number {
  return attempts.lockedUntil > now ? attempts.lockedUntil - now : 0;
}

/**
 * Counts one attempt: refused while locked out (and then nothing changes: a
 * lockout is never extended by knocking on it, OTP-09); otherwise the count
 * starts afresh after a lockout ended or a quiet window, and reaching
 * maxAttempts locks. Each lockout in a row without a success lasts twice the
 * one before (15 min, 30 min, 1 h, … capped at 24 h; FRAUD-06), so the wrong
 * codes evaluated for one phone without a success are bounded: at the
 * default 3 attempts, at most 24 in any 24 hours. Why: a fixed lockout lets
 * a patient attacker guess 3 codes every 15 minutes forever (288 a day). The
 * run is forgotten after a success, or LOCKOUT_MEMORY_MS without attempts
 * once the last lockout ended. The one attempt rule of both profiles: the
 * PhoneLedger uses it inside checkCode, the production AttemptCounter on its own.
 */
export function countAttempt(attempts: Attempts, policy: AttemptPolicy, now: number): { decision: AttemptDecision; attempts: Attempts } {
  const locked = lockoutLeft(attempts, now);
  if (locked > 0) return { decision: { allowed: false, retryAfterMs: locked }, attempts };
  const fresh = attempts.lockedUntil !== 0 || now - attempts.lastAt > policy.windowMs;
  // A run of lockouts survives the end of each lockout; only a quiet spell of LOCKOUT_MEMORY_MS forgets it.
  const quietSince = Math.max(attempts.lastAt, attempts.lockedUntil);
  const before = now - quietSince > LOCKOUT_MEMORY_MS ? 0 : (attempts.lockouts ?? 0);
  const count = (fresh ? 0 : attempts.count) + 1;
  const locks = count >= policy.maxAttempts;
  const lockedUntil = locks ? now + lockoutLength(policy.lockoutMs, before) : 0;
  const lockouts = locks ? before + 1 : before;
  const forgetAt = Math.max(lockedUntil, now + policy.windowMs, lockouts > 0 ? Math.max(lockedUntil, now) + LOCKOUT_MEMORY_MS : 0);
  return {
    decision: { allowed: true, attemptsRemaining: Math.max(0, policy.maxAttempts - count) },
    attempts: { count, lastAt: now, lockedUntil, forgetAt, lockouts },
  };
}

function liveCode(state: LedgerState, purpose: OtpPurpose, now: number): OtpRecord | null {
  const code = state.codes[purpose];
  return code && code.expiresAt > now ? code : null;
}

/**
 * Issues a code unless the phone is locked out (SEND-08: a code it could not
 * use before it expired), in its resend cooldown, or out of its hourly quota,
 * in that order. A new code replaces the pending one (OTP-11); the attempt
 * count is deliberately left alone, so asking for a new code never buys more
 * guesses (OTP-07).
 */
export function issueCode(
  state: LedgerState,
  purpose: OtpPurpose,
  digest: string,
  ticket: string,
  policy: IssuePolicy,
  now: number,
): IssueOutcome {
  const locked = lockoutLeft(state.attempts, now);
  if (locked > 0) return { issued: false, reason: "locked_out", retryAfterMs: locked };
  state.sends = state.sends.filter((s) => s.at > now - HOUR_MS);
  const newest = Math.max(-Infinity, ...state.sends.map((s) => s.at));
  if (newest + policy.cooldownMs > now) return { issued: false, reason: "resend_cooldown", retryAfterMs: newest + policy.cooldownMs - now };
  if (state.sends.length >= policy.maxSendsPerHour) {
    const oldest = Math.min(...state.sends.map((s) => s.at));
    return { issued: false, reason: "hourly_limit", retryAfterMs: Math.max(1, oldest + HOUR_MS - now) };
  }
  state.sends.push({ ticket, at: now });
  const previous = liveCode(state, purpose, now);
  if (previous) state.replaced[purpose] = { by: ticket, record: previous };
  else delete state.replaced[purpose];
  state.codes[purpose] = { digest, expiresAt: now + policy.ttlMs, ticket };
  return { issued: true, ticket };
}

/**
 * Undoes an issue whose code was never sent: gives back its send slot and
 * takes its code back, unless a newer code has replaced it since. The code
 * it replaced, if still live, is pending again: a request refused after the
 * issue (its address over the limit, the provider refusing the message)
 * must not cost the person the code they already received.
 */
export function withdrawCode(state: LedgerState, purpose: OtpPurpose, ticket: string, now: number): void {
  state.sends = state.sends.filter((s) => s.ticket !== ticket);
  const replaced = state.replaced[purpose]?.by === ticket ? state.replaced[purpose] : undefined;
  if (replaced) delete state.replaced[purpose];
  if (state.codes[purpose]?.ticket !== ticket) return;
  if (replaced && replaced.record.expiresAt > now) state.codes[purpose] = replaced.record;
  else delete state.codes[purpose];
}

/**
 * Checks a guess (the HMAC digest of the guessed code). Without a live code
 * nothing is counted: there is nothing to guess, and counting would let
 * anyone lock any phone out for free. Otherwise the attempt is counted in the
 * same step as the comparison, so concurrent guesses cannot exceed the cap
 * (OTP-06); during a lockout even the right code is refused (OTP-09); the
 * right code is consumed (single use, OTP-04) and forgets the failures
 * (OTP-08).
 */
export function checkCode(state: LedgerState, purpose: OtpPurpose, guess: string, policy: AttemptPolicy, now: number): CheckStep {
  const code = liveCode(state, purpose, now);
  if (!code) {
    delete state.codes[purpose];
    return { status: "no_code" };
  }
  const counted = countAttempt(state.attempts, policy, now);
  if (!counted.decision.allowed) return { status: "locked", retryAfterMs: counted.decision.retryAfterMs };
  // Digests are compared in constant time: the guess is attacker-chosen.
  if (constantTimeEqual(guess, code.digest)) {
    delete state.codes[purpose];
    delete state.replaced[purpose];
    state.attempts = { ...NO_ATTEMPTS };
    return { status: "verified", record: code };
  }
  state.attempts = counted.attempts;
  return { status: "wrong", attemptsRemaining: counted.decision.attemptsRemaining };
}

/**
 * Puts back a code that was consumed by a sign-in that could not complete,
 * unless it expired or a newer code is pending (which must not be replaced
 * by an older one).
 */
export function restoreCode(state: LedgerState, purpose: OtpPurpose, record: OtpRecord, now: number): void {
  if (record.expiresAt > now && !liveCode(state, purpose, now)) state.codes[purpose] = { ...record };
}

/** Drops what can no longer matter at `now`: expired codes, sends older than an hour, forgotten attempts. */
export function sweepLedger(state: LedgerState, now: number): void {
  for (const purpose of Object.keys(state.codes) as OtpPurpose[]) {
    if (!liveCode(state, purpose, now)) delete state.codes[purpose];
  }
  for (const [purpose, replaced] of Object.entries(state.replaced) as [OtpPurpose, { record: OtpRecord }][]) {
    if (replaced.record.expiresAt <= now) delete state.replaced[purpose];
  }
  state.sends = state.sends.filter((s) => s.at > now - HOUR_MS);
  if (state.attempts.forgetAt <= now) state.attempts = { ...NO_ATTEMPTS };
}

/**
 * When the state next changes by itself: the earliest code expiry (so no code
 * outlives its TTL at rest, OTP-03), send slot release or attempt forgetting.
 * null when nothing is held: the state can then be deleted.
 */
export function nextWakeAt(state: LedgerState): number | null {
  const times = [
    ...Object.values(state.codes).map((c) => c.expiresAt),
    ...Object.values(state.replaced).map((r) => r.record.expiresAt),
    ...state.sends.map((s) => s.at + HOUR_MS),
    ...(state.attempts.forgetAt > 0 ? [state.attempts.forgetAt] : []),
  ];
  return times.length > 0 ? Math.min(...times) : null;
}
