import { AuthError } from "../errors";
import { encryptPhone, phoneHash, type SecretKeys } from "../lib/keys";
import { screenLineType, type LineTypeDeps } from "./line-type";
import { numberRefusal, type NumberPolicy } from "./number-policy";
import { generateOtp, otpDigest, renderSms } from "./otp";
import { parseE164, type Phone } from "./phone";
import {
  SmsSendError,
  SmsSendUnconfirmed,
  type AuthEvent,
  type AuthEventSink,
  type OtpLedger,
  type OtpPurpose,
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

export interface SignInDeps extends SessionDeps, LineTypeDeps {
  policy: OtpPolicy;
  /** Which numbers may be sent a code at all (FRAUD-01). */
  numberPolicy: NumberPolicy;
  /** TEST_PHONE_NUMBERS: E.164 → fixed code, never sent an SMS (FRAUD-08). */
  testNumbers: ReadonlyMap<string, string>;
  keys: SecretKeys;
  /** Per-phone codes, send quotas and attempt counting (one port per step). */
  ledger: OtpLedger;
  /** High-volume per-IP limits. */
  ipLimiter: RateLimiter;
  sms: SmsSender;
  users: UserStore;
  events: AuthEventSink;
  now: () => number;
}

export interface ClientContext {
  /** Per-IP limit subject: the IPv4 address or the IPv6 /64 (see ipLimitSubject); "unknown" when absent. */
  ip: string;
  userAgent: string | null;
  /** The request's country from Cloudflare's metadata (`request.cf.country`); null when absent. */
  country: string | null;
}

export interface OtpSent {
  status: "sent";
  expiresIn: number;
  resendAfter: number;
}

/** Whole seconds for a Retry-After header, at least 1. */
export const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The fields every OTP event of this phone carries: masked hash, country, purpose, and whether it is a test number. */
function eventBase(deps: SignInDeps, phone: Phone, hash: string, purpose: OtpPurpose): Pick<AuthEvent, "phoneHash" | "country" | "purpose" | "testNumber"> {
  return {
    phoneHash: hash,
    country: phone.country ?? undefined,
    ...(purpose === "sign_in" ? {} : { purpose }),
    ...(deps.testNumbers.has(phone.e164) ? { testNumber: true as const } : {}),
  };
}

function requirePhone(input: string): Phone {
  const phone = parseE164(input);
  if (!phone) throw new AuthError("invalid_phone");
  return phone;
}

/** A granted IP hit, or the refusal/failure to answer with. */
function ipVerdict(result: PromiseSettledResult<RateDecision>): { error: unknown } | { retryAfterMs: number } | null {
  if (result.status === "rejected") return { error: result.reason };
  return result.value.allowed ? null : { retryAfterMs: result.value.retryAfterMs };
}

/**
 * Sends a sign-in code. The answer is the same whether or not the phone has
 * an account (SEND-03): this use-case never reads the user store.
 */
export async function requestOtp(deps: SignInDeps, input: { phone: string }, client: ClientContext): Promise<OtpSent> {
  return sendCode(deps, requirePhone(input.phone), client, "sign_in");
}

/**
 * Sends a code for `purpose` under the phone's limits (lockout, cooldown,
 * hourly quota: shared by every purpose) and the per-IP send budget. The
 * code is bound to its purpose (OTP-10): a step-up code cannot sign in.
 */
export async function sendCode(deps: SignInDeps, phone: Phone, client: ClientContext, purpose: OtpPurpose): Promise<OtpSent> {
  const { policy, ledger, events } = deps;
  const hash = await phoneHash(deps.keys, phone.e164);
  const now = deps.now();
  const base = eventBase(deps, phone, hash, purpose);
  // A configured test number (FRAUD-08) gets its fixed code and no SMS, under
  // every limit below; it is exempt only from the number policy, since no
  // message ever leaves for it.
  const testCode = deps.testNumbers.get(phone.e164);
  // Free, offline and first (FRAUD-01): a number that is never a person's
  // phone, or outside the served countries, costs no counter and no SMS. The
  // client learns only that the number is not supported, not which rule.
  const refusal = testCode === undefined ? numberRefusal(deps.numberPolicy, phone) : null;
  if (refusal) {
    events.emit({ event: "otp.requested", outcome: "denied", reason: refusal, ...base });
    throw new AuthError("phone_not_supported");
  }
  const code = testCode ?? generateOtp();
  const digest = await otpDigest(deps.keys.otp, purpose, phone.e164, code);

  // The per-IP limit and the phone's ledger step (lockout, cooldown, hourly
  // quota, store the code: atomic) are independent, so they share one round
  // trip. A locked-out phone is sent nothing (SEND-08). When the IP limit
  // refuses (or cannot answer) the ledger's issue is withdrawn, giving the
  // phone its slot back; the IP slot stays charged, since the request did
  // come from that address.
  const [ip, issued] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:send:${client.ip}`, { limit: policy.ipSendLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    ledger.issue(hash, purpose, digest, { ttlMs: policy.ttlSeconds * 1000, cooldownMs: policy.resendCooldownSeconds * 1000, maxSendsPerHour: policy.maxSendsPerHour }, now),
  ]);
  const ticket = issued.status === "fulfilled" && issued.value.issued ? issued.value.ticket : null;
  const ipRefusal = ipVerdict(ip);
  if (ipRefusal && ticket) await ledger.withdraw(hash, purpose, ticket, now).catch(() => undefined);
  // A limiter or ledger that cannot answer fails closed (SEND-06).
  if (ipRefusal && "error" in ipRefusal) throw ipRefusal.error;
  if (ipRefusal) {
    events.emit({ event: "otp.requested", outcome: "denied", reason: "ip_limit", ...base });
    throw new AuthError("rate_limited", { retryAfterSeconds: retryAfter(ipRefusal.retryAfterMs) });
  }
  if (issued.status === "rejected") throw issued.reason;
  if (!issued.value.issued) {
    const { reason, retryAfterMs } = issued.value;
    events.emit({ event: "otp.requested", outcome: "denied", reason, ...base });
    throw new AuthError(reason === "locked_out" ? "too_many_attempts" : "rate_limited", { retryAfterSeconds: retryAfter(retryAfterMs) });
  }
  // No line for an accepted request: the send's outcome (otp.sent,
  // otp.send_failed, otp.send_unconfirmed) follows in the same request and
  // says it, and under `wrangler dev` each console line costs ~2 ms of CPU.

  const sent: OtpSent = { status: "sent", expiresIn: policy.ttlSeconds, resendAfter: policy.resendCooldownSeconds };
  if (testCode !== undefined) {
    events.emit({ event: "otp.sent", outcome: "success", reason: "test_number", ...base });
    return sent;
  }
  // The paid lookup last, once every free check and limit has passed (FRAUD-02).
  const issuedTicket = issued.value.ticket;
  await screenLineType(deps, phone.e164, hash, base, () => ledger.withdraw(hash, purpose, issuedTicket, now));
  try {
    await deps.sms.send({ to: phone.e164, body: renderSms(policy.smsTemplate, code, policy.ttlSeconds) });
  } catch (err) {
    if (err instanceof SmsSendUnconfirmed) {
      // No answer from the provider (SEND-08): the message may have left and
      // may still arrive. Refunding here would let anyone get unlimited
      // messages sent by making the provider slow, so the slot stays charged
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
    // The provider refused it: the message never left, so the code is
    // withdrawn (an earlier code still live is pending again) and the phone
    // gets its slot back (SEND-05). Best effort; the
    // send error wins.
    await ledger.withdraw(hash, purpose, issued.value.ticket, now).catch(() => undefined);
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
  const phone = requirePhone(input.phone);
  const now = deps.now();
  const [hash, ciphertext] = await Promise.all([phoneHash(deps.keys, phone.e164), encryptPhone(deps.keys, phone.e164)]);
  // The user is found or created only once the guess is known right, idempotently under races.
  const found = await checkCode(deps, phone, hash, input.otp, client, "sign_in", now, () => deps.users.findOrCreateByPhone(hash, ciphertext, now));
  deps.background("users.recordLogin", () => deps.users.recordLogin(found.user.id, now));
  deps.events.emit({ event: "otp.verified", outcome: "success", userId: found.user.id, ...eventBase(deps, phone, hash, "sign_in") });
  const issued = await issueSession(deps, found.user, client, now, ["sms"]);
  return { ...issued, isNewUser: found.created };
}

/**
 * Checks a code for `purpose` with attempt counting and single use, under
 * the per-IP verify budget, and returns what `onMatch` gives for a right
 * code. Every refusal throws the public error and logs its reason.
 */
export async function checkCode<T>(
  deps: SignInDeps,
  phone: Phone,
  hash: string,
  otp: string,
  client: ClientContext,
  purpose: OtpPurpose,
  now: number,
  onMatch: () => Promise<T>,
): Promise<T> {
  const { policy, ledger, events } = deps;
  const base = eventBase(deps, phone, hash, purpose);
  const digest = await otpDigest(deps.keys.otp, purpose, phone.e164, otp);

  // The IP limit and the ledger's check (count the attempt before comparing,
  // OTP-06; refuse even the right code during a lockout, OTP-09; consume it
  // once, OTP-04/05) share one round trip. The user is found or created only
  // once the guess is known right (`onMatch`), idempotently under races.
  const [ip, checked] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:verify:${client.ip}`, { limit: policy.ipVerifyLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    ledger.check(
      hash,
      purpose,
      digest,
      { maxAttempts: policy.maxAttempts, lockoutMs: policy.lockoutSeconds * 1000, windowMs: policy.failureWindowSeconds * 1000 },
      now,
      () => {
        const found = onMatch();
        // Awaited below only once the IP limit has answered too; marked
        // handled now so a store failing before then is not reported as an
        // unhandled rejection (its error still reaches the await).
        found.catch(() => undefined);
        return found;
      },
    ),
  ]);
  const outcome = checked.status === "fulfilled" ? checked.value : null;
  const ipRefusal = ipVerdict(ip);
  if (ipRefusal && outcome?.status === "verified") {
    // Refused by its address after the code was taken: the code goes back,
    // so the answer (the same for every guess) reveals nothing and the
    // person can still use it. A wrong guess stays counted.
    outcome.matched.catch(() => undefined);
    await ledger.restore(hash, purpose, outcome.record, now).catch(() => undefined);
  }
  // A limiter or ledger that cannot answer fails closed (SEND-06).
  if (ipRefusal && "error" in ipRefusal) throw ipRefusal.error;
  if (ipRefusal) {
    events.emit({ event: "otp.failed", outcome: "denied", reason: "ip_limit", ...base });
    throw new AuthError("rate_limited", { retryAfterSeconds: retryAfter(ipRefusal.retryAfterMs) });
  }
  if (checked.status === "rejected") throw checked.reason;
  const result = checked.value;
  if (result.status === "no_code") {
    events.emit({ event: "otp.failed", outcome: "failure", reason: result.reason, ...base });
    throw new AuthError("otp_expired");
  }
  if (result.status === "locked") {
    events.emit({ event: "otp.locked", outcome: "denied", ...base });
    throw new AuthError("too_many_attempts", { retryAfterSeconds: retryAfter(result.retryAfterMs) });
  }
  if (result.status === "wrong") {
    const locked = result.attemptsRemaining === 0;
    events.emit({ event: locked ? "otp.locked" : "otp.failed", outcome: "failure", reason: "wrong_code", ...base });
    throw new AuthError("otp_invalid", { details: { attemptsRemaining: result.attemptsRemaining } });
  }
  if (result.followUp) deps.background("ledger.followUp", result.followUp);

  try {
    return await result.matched;
  } catch (err) {
    // The code was right but the user store failed: put the code back so
    // the person can retry it instead of spending one of their few sends
    // per hour. Never after the session write has started: a write that
    // landed and then reported a failure would let the code sign in twice.
    await ledger.restore(hash, purpose, result.record, now).catch(() => undefined);
    throw err;
  }
}
