import { AuthError } from "../errors";
import { eventBase, ipVerdict, retryAfter, type ClientContext, type SignInDeps } from "./otp-common";
import { otpDigest } from "./otp";
import { ledgerKey, type DeviceRecord } from "./devices";
import type { Phone } from "./phone";
import type { OtpPurpose } from "./ports";

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
  /** A recognised device (FRAUD-05): the code and the attempts are the (phone, device) ledger's. */
  device: DeviceRecord | null = null,
  /** Filled in for the risk assessment: how much of its verify budget the address has used. */
  observe: { ipVerifyUsed: number } | null = null,
): Promise<T> {
  const { policy, ledger, events } = deps;
  const key = ledgerKey(hash, device);
  const base = eventBase(deps, phone, hash, purpose, device);
  const digest = await otpDigest(deps.keys.otp, purpose, phone.e164, otp);

  // The IP limit and the ledger's check (count the attempt before comparing,
  // OTP-06; refuse even the right code during a lockout, OTP-09; consume it
  // once, OTP-04/05) share one round trip. The user is found or created only
  // once the guess is known right (`onMatch`), idempotently under races.
  const [ip, checked] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:verify:${client.ip}`, { limit: policy.ipVerifyLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    ledger.check(
      key,
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
  if (observe && ip.status === "fulfilled" && ip.value.allowed) observe.ipVerifyUsed = policy.ipVerifyLimit - ip.value.remaining;
  const ipRefusal = ipVerdict(ip);
  if (ipRefusal && outcome?.status === "verified") {
    // Refused by its address after the code was taken: the code goes back,
    // so the answer (the same for every guess) reveals nothing and the
    // person can still use it. A wrong guess stays counted.
    outcome.matched.catch(() => undefined);
    await ledger.restore(key, purpose, outcome.record, now).catch(() => undefined);
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
    await ledger.restore(key, purpose, result.record, now).catch(() => undefined);
    throw err;
  }
}

