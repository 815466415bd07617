import { AuthError } from "../errors";
import { constantTimeEqual } from "../lib/crypto";
import { encryptPhone, phoneHash, type SecretKeys } from "../lib/keys";
import { generateOtp, otpDigest, renderSms } from "./otp";
import { parseE164, type Phone } from "./phone";
import {
  SmsSendError,
  SmsSendUnconfirmed,
  type AttemptCounter,
  type AuthEventSink,
  type OtpStore,
  type RateDecision,
  type RateLimiter,
  type SmsSender,
  type UserStore,
} from "./ports";
import { issueSession, type IssuedSession, type SessionDeps } from "./sessions";

export interface OtpPolicy {
  ttlSeconds: number;
  resendCooldownSeconds: number;
  maxSendsPerHour: number;
  maxAttempts: number;
  lockoutSeconds: number;
  failureWindowSeconds: number;
  smsTemplate: string;
  ipSendLimit: number;
  ipVerifyLimit: number;
  ipWindowSeconds: number;
}

export interface SignInDeps extends SessionDeps {
  policy: OtpPolicy;
  keys: SecretKeys;
  otps: OtpStore;
  attempts: AttemptCounter;
  /** Strict per-phone quotas (exact, refundable). */
  limiter: RateLimiter;
  /** High-volume per-IP limits. */
  ipLimiter: RateLimiter;
  sms: SmsSender;
  users: UserStore;
  events: AuthEventSink;
  now: () => number;
  /**
   * Runs work the answer does not depend on after the response (Workers'
   * `waitUntil`); a failure is logged, never surfaced.
   */
  background: (task: string, work: () => Promise<unknown>) => void;
}

export interface ClientContext {
  /** Per-IP limit subject: the IPv4 address or the IPv6 /64 (see ipLimitSubject); "unknown" when absent. */
  ip: string;
  userAgent: string | null;
}

export interface OtpSent {
  status: "sent";
  expiresIn: number;
  resendAfter: number;
}

const PURPOSE = "sign_in";
const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

type Settled = PromiseSettledResult<RateDecision>;

/** The token of a granted hit, or null. */
function grantedToken(result: Settled): string | null {
  return result.status === "fulfilled" && result.value.allowed ? result.value.token : null;
}

/** The first limiter that failed or refused, in the order given; null when all granted. */
function firstRefusal(
  checks: [reason: string, result: Settled][],
): { error: unknown } | { reason: string; retryAfterMs: number } | null {
  for (const [, result] of checks) if (result.status === "rejected") return { error: result.reason };
  for (const [reason, result] of checks) {
    if (result.status === "fulfilled" && !result.value.allowed) return { reason, retryAfterMs: result.value.retryAfterMs };
  }
  return null;
}

/** A lockout read as a limit decision: refused while locked (it holds no slot to refund). */
function lockoutDecision(lockedForMs: number): RateDecision {
  return lockedForMs > 0 ? { allowed: false, retryAfterMs: lockedForMs } : { allowed: true, remaining: 0, token: "" };
}

function requirePhone(input: string): Phone {
  const phone = parseE164(input);
  if (!phone) throw new AuthError("invalid_phone");
  return phone;
}

/**
 * Sends a sign-in code. The answer is the same whether or not the phone has
 * an account (SEND-03): this use-case never reads the user store.
 */
export async function requestOtp(deps: SignInDeps, input: { phone: string }, client: ClientContext): Promise<OtpSent> {
  const { policy, limiter, events } = deps;
  const phone = requirePhone(input.phone);
  const hash = await phoneHash(deps.keys, phone.e164);
  const now = deps.now();
  const base = { phoneHash: hash, country: phone.country ?? undefined };

  const cooldownKey = `phone:cooldown:${hash}`;
  const hourlyKey = `phone:hourly:${hash}`;
  // The limits and the phone's lockout are independent, so they are asked at
  // once (one round trip). A locked-out phone is sent nothing (SEND-08): its
  // code could not be used before it expired. Phone slots taken by a request
  // that something else refuses are given back; the IP slot stays charged,
  // since the request did come from that address.
  const [ip, lockout, cooldown, hourly] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:send:${client.ip}`, { limit: policy.ipSendLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    deps.attempts.lockedFor(hash, now).then(lockoutDecision),
    limiter.hit(cooldownKey, { limit: 1, windowMs: policy.resendCooldownSeconds * 1000 }, now),
    limiter.hit(hourlyKey, { limit: policy.maxSendsPerHour, windowMs: 3_600_000 }, now),
  ]);
  const verdict = firstRefusal([
    ["ip_limit", ip],
    ["locked_out", lockout],
    ["resend_cooldown", cooldown],
    ["hourly_limit", hourly],
  ]);
  const cooldownToken = grantedToken(cooldown);
  const hourlyToken = grantedToken(hourly);
  const refundPhoneSlots = (): Promise<unknown> =>
    Promise.allSettled([
      cooldownToken && limiter.refund(cooldownKey, cooldownToken),
      hourlyToken && limiter.refund(hourlyKey, hourlyToken),
    ]);
  if (verdict) {
    await refundPhoneSlots();
    // A limiter or counter that cannot answer fails closed (SEND-06).
    if ("error" in verdict) throw verdict.error;
    events.emit({ event: "otp.requested", outcome: "denied", reason: verdict.reason, ...base });
    const code = verdict.reason === "locked_out" ? "too_many_attempts" : "rate_limited";
    throw new AuthError(code, { retryAfterSeconds: retryAfter(verdict.retryAfterMs) });
  }
  events.emit({ event: "otp.requested", outcome: "success", ...base });

  const code = generateOtp();
  const digest = await otpDigest(deps.keys.otp, PURPOSE, phone.e164, code);
  // A new code replaces the old one (OTP-11); the failure count lives in the
  // attempt counter and is deliberately left alone (OTP-07).
  try {
    await deps.otps.put(hash, PURPOSE, { digest, expiresAt: now + policy.ttlSeconds * 1000 });
  } catch (err) {
    // Nothing was sent: the phone keeps its slots, and the outage is a 503.
    await refundPhoneSlots();
    throw err;
  }

  const sent: OtpSent = { status: "sent", expiresIn: policy.ttlSeconds, resendAfter: policy.resendCooldownSeconds };
  try {
    await deps.sms.send({ to: phone.e164, body: renderSms(policy.smsTemplate, code, policy.ttlSeconds) });
  } catch (err) {
    if (err instanceof SmsSendUnconfirmed) {
      // No answer from the provider (SEND-08): the message may have left and
      // may still arrive. Refunding here would let anyone get unlimited
      // messages sent by making the provider slow, so the slots stay charged
      // and the code stays valid. A timeout is answered as a send; a failed
      // connection (the provider is likely unreachable) is reported as a
      // failure, so an outage shows, but still refunds nothing.
      events.emit({ event: "otp.send_unconfirmed", outcome: "failure", reason: err.reason, ...base });
      if (err.timedOut) return sent;
      throw new AuthError("sms_send_failed", { cause: err });
    }
    if (!(err instanceof SmsSendError)) {
      // An unexpected failure says nothing about whether the message left:
      // nothing is refunded (the safe side), and the client gets the error.
      events.emit({ event: "otp.send_failed", outcome: "failure", reason: "unexpected", ...base });
      throw new AuthError("sms_send_failed", { cause: err });
    }
    // The provider refused it: the message never left, the code is useless
    // and the phone keeps its request slots (SEND-05). Best effort; the
    // send error wins.
    await Promise.allSettled([deps.otps.consume(hash, PURPOSE, digest, now), refundPhoneSlots()]);
    events.emit({
      event: "otp.send_failed",
      outcome: "failure",
      reason: err.reason,
      ...base,
      ...(err.providerStatus !== undefined ? { providerStatus: err.providerStatus } : {}),
      ...(err.providerCode !== undefined ? { providerCode: err.providerCode } : {}),
    });
    throw new AuthError("sms_send_failed", { cause: err });
  }
  events.emit({ event: "otp.sent", outcome: "success", ...base });
  return sent;
}

export interface SignedIn extends IssuedSession {
  isNewUser: boolean;
}

/** Checks a code and, on success, signs the user in (creating them if new). */
export async function verifyOtp(
  deps: SignInDeps,
  input: { phone: string; otp: string },
  client: ClientContext,
): Promise<SignedIn> {
  const { policy, events } = deps;
  const phone = requirePhone(input.phone);
  const hash = await phoneHash(deps.keys, phone.e164);
  const now = deps.now();
  const base = { phoneHash: hash, country: phone.country ?? undefined };

  // The IP limit and the read of the pending code are independent (the read
  // changes nothing), so they share one round trip.
  const [ip, pending] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:verify:${client.ip}`, { limit: policy.ipVerifyLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    deps.otps.get(hash, PURPOSE, now),
  ]);
  // A limiter or store that cannot answer fails closed (SEND-06).
  if (ip.status === "rejected") throw ip.reason;
  if (!ip.value.allowed) {
    events.emit({ event: "otp.failed", outcome: "denied", reason: "ip_limit", ...base });
    throw new AuthError("rate_limited", { retryAfterSeconds: retryAfter(ip.value.retryAfterMs) });
  }
  if (pending.status === "rejected") throw pending.reason;

  // Without a pending code there is nothing to guess, and the attempt is not
  // counted: otherwise anyone could keep any phone locked out for free.
  const record = pending.value;
  if (!record) {
    events.emit({ event: "otp.failed", outcome: "failure", reason: "no_live_code", ...base });
    throw new AuthError("otp_expired");
  }

  // The attempt is counted before the guess is compared, so concurrent
  // guesses cannot all pass a read-then-write check (OTP-06). During a
  // lockout the right code gets this same answer (OTP-09).
  const attempt = await deps.attempts.acquire(
    hash,
    { maxAttempts: policy.maxAttempts, lockoutMs: policy.lockoutSeconds * 1000, windowMs: policy.failureWindowSeconds * 1000 },
    now,
  );
  if (!attempt.allowed) {
    events.emit({ event: "otp.locked", outcome: "denied", ...base });
    throw new AuthError("too_many_attempts", { retryAfterSeconds: retryAfter(attempt.retryAfterMs) });
  }

  const digest = await otpDigest(deps.keys.otp, PURPOSE, phone.e164, input.otp);
  if (!constantTimeEqual(digest, record.digest)) {
    const locked = attempt.attemptsRemaining === 0;
    events.emit({ event: locked ? "otp.locked" : "otp.failed", outcome: "failure", reason: "wrong_code", ...base });
    throw new AuthError("otp_invalid", { details: { attemptsRemaining: attempt.attemptsRemaining } });
  }
  // Compare-and-delete: of concurrent right answers only one consumes the
  // code; the others find it gone (OTP-04, OTP-05). The user is found or
  // created in the same round trip: only someone who knows the right code
  // gets here, the upsert is idempotent under races (one user per phone),
  // and no session is issued unless the consume won.
  const ciphertext = await encryptPhone(deps.keys, phone.e164);
  const [consumed, found] = await Promise.allSettled([
    deps.otps.consume(hash, PURPOSE, record.digest, now),
    deps.users.findOrCreateByPhone(hash, ciphertext, now),
  ]);
  if (consumed.status === "rejected") throw consumed.reason;
  if (!consumed.value) {
    events.emit({ event: "otp.failed", outcome: "failure", reason: "already_used", ...base });
    throw new AuthError("otp_expired");
  }
  // Not on the critical path (the answer does not depend on them). If the
  // reset fails, earlier failures stay counted: the safe side, and nobody
  // can use the gap, since no code is pending any more to guess against.
  deps.background("attempts.reset", () => deps.attempts.reset(hash));

  let issued: IssuedSession;
  try {
    if (found.status === "rejected") throw found.reason;
    const user = found.value.user;
    deps.background("users.recordLogin", () => deps.users.recordLogin(user.id, now));
    events.emit({ event: "otp.verified", outcome: "success", userId: user.id, ...base });
    issued = await issueSession(deps, user, client, phone.country, now);
  } catch (err) {
    // The code was right but the sign-in could not be completed (a store is
    // down): put the code back so the person can retry it instead of
    // spending one of their few sends per hour.
    await deps.otps.put(hash, PURPOSE, record).catch(() => undefined);
    throw err;
  }
  return { ...issued, isNewUser: found.value.created };
}
