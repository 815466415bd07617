import { AuthError } from "../errors";
import { decryptPhone, PIN_PEPPER_VERSION, type SecretKeys } from "../lib/keys";
import { hashPin, verifyPin } from "../lib/pin-hash";
import { pinProblem } from "./pin-policy";
import type { RateLimiter } from "./ports";
import { spendVerifyBudget } from "./otp-common";
import { rotateToken, type Authenticated, type IssuedSession, type SessionDeps } from "./sessions";

/** The per-session count of wrong PINs lives this long at most: a session's longest possible life (SESSION_TTL_SECONDS' maximum). */
export const SESSION_PIN_WINDOW_MS = 90 * 24 * 3600 * 1000;

/**
 * PIN unlock (PIN-01..03). A PIN is "something you know" on top of a
 * session token the device already holds ("something you have"): it unlocks
 * that session and nothing else, and does not count as a recent
 * authentication for sensitive routes. Why never a sign-in: a 4–8 digit
 * secret has too few values to stand alone against anyone who can reach the
 * API, but with a live session as well, an attacker needs the device first,
 * and then gets fewer than `maxAttempts` wrong PINs on that session in all:
 * the one that reaches the cap (per user, or per session over its life)
 * ends the session.
 */
export interface PinDeps extends SessionDeps {
  keys: SecretKeys;
  pinPolicy: { minLength: number; maxAttempts: number };
  ipLimiter: RateLimiter;
  policy: { ipVerifyLimit: number; ipWindowSeconds: number };
}

/**
 * One unit of the user's PIN budget (`IP_VERIFY_LIMIT` per
 * `IP_WINDOW_SECONDS`, like the ceremony budget). Why: every set or check
 * runs a 100,000-iteration KDF, so one token must not be able to loop it
 * without bound; wrong PINs are capped separately (PIN-03). Fails closed.
 */
export async function spendPinBudget(deps: PinDeps, userId: string): Promise<void> {
  await spendVerifyBudget(deps, `user:pin:${userId}`);
}

async function phoneDigits(deps: PinDeps, auth: Authenticated): Promise<string> {
  const ciphertext = await deps.users.phoneCiphertext(auth.user.id);
  // The session was checked a moment ago; a user gone since is a revoked session.
  if (!ciphertext) throw new AuthError("session_revoked");
  return (await decryptPhone(deps.keys, ciphertext)).replace(/\D/g, "");
}

/**
 * Sets or changes the PIN (the route asks for a recent authentication,
 * SES-07). Weak PINs are refused with the rule they broke; the PIN itself is
 * stored only as a peppered PBKDF2 record (PIN-02), and a new PIN starts
 * with no wrong attempts counted.
 */
export async function setPin(deps: PinDeps, auth: Authenticated, pin: string): Promise<void> {
  await spendPinBudget(deps, auth.user.id);
  const problem = pinProblem(pin, { minLength: deps.pinPolicy.minLength, phoneDigits: await phoneDigits(deps, auth) });
  if (problem === "not_digits" || problem === "too_short" || problem === "too_long") {
    throw new AuthError("invalid_request", { message: `pin: must be ${deps.pinPolicy.minLength} to 8 digits` });
  }
  if (problem) throw new AuthError("pin_too_weak", { details: { reason: problem } });
  const record = await hashPin(deps.keys.pinPepper, PIN_PEPPER_VERSION, pin);
  if (!(await deps.users.setPin(auth.user.id, record, deps.now()))) throw new AuthError("session_revoked");
  deps.events.emit({ event: "pin.set", outcome: "success", userId: auth.user.id, sessionId: auth.session.id, reason: auth.user.pinEnabled ? "changed" : "enabled" });
}

/** Removes the PIN (recent authentication, like setting it). */
export async function removePin(deps: PinDeps, auth: Authenticated): Promise<void> {
  if (!(await deps.users.removePin(auth.user.id))) throw new AuthError("pin_not_set");
  deps.events.emit({ event: "pin.removed", outcome: "success", userId: auth.user.id, sessionId: auth.session.id });
}

/**
 * Unlocks this session with its user's PIN: a new token (the old one gets
 * 401 at once) and a fresh last authentication with amr `pin`. The attempt
 * is counted before the PIN is checked, by one atomic step of the user store,
 * so concurrent guesses cannot get more than `maxAttempts` checks between
 * them (PIN-03). A right PIN clears the count; the last allowed wrong one
 * turns PIN unlock off until the next sign-in by code, passkey or device key.
 */
export async function unlockWithPin(deps: PinDeps, auth: Authenticated, pin: string): Promise<IssuedSession> {
  const { maxAttempts } = deps.pinPolicy;
  const userId = auth.user.id;
  const sessionId = auth.session.id;
  await spendPinBudget(deps, userId);
  const attempt = await deps.users.countPinAttempt(userId, maxAttempts);
  if (attempt.status === "not_set") throw new AuthError("pin_not_set");
  if (attempt.status === "locked") {
    deps.events.emit({ event: "pin.failed", outcome: "denied", userId, sessionId, reason: "locked" });
    throw new AuthError("pin_locked");
  }
  // A record under another pepper version cannot be checked with this one: it fails like a wrong PIN.
  const right = attempt.record.pepperVersion === PIN_PEPPER_VERSION && (await verifyPin(deps.keys.pinPepper, attempt.record, pin));
  if (!right) {
    // The user's count is cleared by every right PIN and sign-in, so a stolen
    // token could otherwise guess again each time its owner unlocks; the
    // session's own count over its whole life is never cleared.
    const onSession = await deps.ipLimiter.hit(`session:pin:${sessionId}`, { limit: Math.max(1, maxAttempts - 1), windowMs: SESSION_PIN_WINDOW_MS }, deps.now());
    const remaining = Math.max(0, maxAttempts - attempt.failuresBefore - 1);
    if (remaining === 0 || !onSession.allowed) {
      // The guesses end here for this token: its session is revoked (whoever
      // holds it signs in again), and for the user PIN unlock is off.
      await deps.sessions.revoke(userId, sessionId);
      deps.events.emit({ event: "pin.locked", outcome: "failure", userId, sessionId, reason: remaining === 0 ? "max_attempts" : "session_max_attempts" });
      throw new AuthError("pin_locked");
    }
    deps.events.emit({ event: "pin.failed", outcome: "failure", userId, sessionId, reason: "wrong_pin" });
    throw new AuthError("pin_invalid", { details: { attemptsRemaining: remaining } });
  }
  // Cleared before the token rotates: a store failing here must not cost the user their session.
  await deps.users.clearPinFailures(userId);
  const issued = await rotateToken(deps, auth, ["pin"]);
  deps.events.emit({ event: "pin.verified", outcome: "success", userId, sessionId });
  return { ...issued, user: { ...issued.user, pinFailures: 0 } };
}
