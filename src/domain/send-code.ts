import { AuthError } from "../errors";
import { phoneHash } from "../lib/keys";
import { captchaNeeded, checkCaptcha } from "./bot-check";
import { ledgerKey, recognisedDevice } from "./devices";
import { chargeBudgets, checkConversion } from "./budgets";
import { screenLineType } from "./line-type";
import { numberRefusal } from "./number-policy";
import { eventBase, ipVerdict, retryAfter, type ClientContext, type OtpSent, type SignInDeps } from "./otp-common";
import { generateOtp, otpDigest } from "./otp";
import { deliverCode, type Channel } from "./delivery";
import { voiceAllowed } from "./voice-message";
import type { Phone } from "./phone";
import type { OtpPurpose } from "./ports";

export interface SendOptions {
  /** Sign-in only: the Turnstile token ("" when none was sent); a step-up has a session instead. */
  captchaToken?: string | null;
  /** Sign-in only: a device token from an earlier sign-in (FRAUD-05): a recognised device has its own send quota and attempt counter for this phone. */
  deviceToken?: string | undefined;
  /** "sms" (default) or "voice" (VOICE_COUNTRIES_ALLOW). */
  channel?: Channel | undefined;
}

/**
 * Sends a code for `purpose` under the phone's limits (lockout, cooldown,
 * hourly quota: shared by every purpose) and the per-IP send budget. The
 * code is bound to its purpose (OTP-10): a step-up code cannot sign in.
 */
export async function sendCode(
  deps: SignInDeps,
  phone: Phone,
  client: ClientContext,
  purpose: OtpPurpose,
  options: SendOptions = {},
): Promise<OtpSent> {
  const { captchaToken = null, deviceToken } = options;
  const { policy, ledger, events } = deps;
  const hash = await phoneHash(deps.keys, phone.e164);
  // Reading the device is not reading the user store (SEND-03): unknown phones answer the same.
  const device = deviceToken ? await recognisedDevice(deps, deviceToken, hash, deps.now()) : null;
  // The ledger's key: the phone's own (anonymous budget), or the phone and this device.
  const key = ledgerKey(hash, device);
  const now = deps.now();
  const base = eventBase(deps, phone, hash, purpose, device);
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
  // Voice is off unless the number's country is listed: free and offline
  // too, so a refused call costs no counter. Same answer for a test number.
  if (options.channel === "voice" && (deps.voice === null || !voiceAllowed(deps.voicePolicy, phone))) {
    events.emit({ event: "otp.requested", outcome: "denied", reason: "voice_not_allowed", ...base });
    throw new AuthError("channel_not_supported");
  }
  // The bot check, always on: before any counter is spent (FRAUD-09).
  const captcha = captchaToken !== null && deps.botCheck.verifier !== null && deps.botCheck.mode === "always";
  if (captcha) await checkCaptcha(deps, captchaToken || undefined, base);
  const code = testCode ?? generateOtp();
  const digest = await otpDigest(deps.keys.otp, purpose, phone.e164, code);

  // The per-IP limit, the phone's ledger step (lockout, cooldown, hourly
  // quota, store the code: atomic) and the SMS budgets (FRAUD-03/04: prefix,
  // country, daily; all or none) are independent, so they share one round
  // trip. A locked-out phone is sent nothing (SEND-08). Whatever one of them
  // refuses, the others' charges are given back: the ledger's issue is
  // withdrawn (the phone gets its slot back) and the budgets refunded; the IP
  // slot stays charged, since the request did come from that address. A test
  // number sends nothing, so it spends no budget.
  const [ip, issued, budget] = await Promise.allSettled([
    deps.ipLimiter.hit(`ip:send:${client.ip}`, { limit: policy.ipSendLimit, windowMs: policy.ipWindowSeconds * 1000 }, now),
    ledger.issue(key, purpose, digest, { ttlMs: policy.ttlSeconds * 1000, cooldownMs: policy.resendCooldownSeconds * 1000, maxSendsPerHour: policy.maxSendsPerHour }, now),
    testCode === undefined ? chargeBudgets(deps, phone, now, base) : Promise.resolve({ rules: [], prefixSends: 0, prefix: "" }),
  ]);
  const ticket = issued.status === "fulfilled" && issued.value.issued ? issued.value.ticket : null;
  const charged = budget.status === "fulfilled" ? budget.value.rules : [];
  const refund = (): Promise<void> => (charged.length > 0 ? deps.budgets.store.refund(charged, now).catch(() => undefined) : Promise.resolve());
  const ipRefusal = ipVerdict(ip);
  const refused = ipRefusal !== null || !ticket || budget.status === "rejected";
  if (refused) await Promise.all([ticket ? ledger.withdraw(key, purpose, ticket, now).catch(() => undefined) : undefined, refund()]);
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
  if (budget.status === "rejected") throw budget.reason;
  // Adaptive bot check: once this address, or this number's prefix, has used half its send budget.
  const ipUsed = ip.status === "fulfilled" && ip.value.allowed ? policy.ipSendLimit - ip.value.remaining : 0;
  const pressure = [[ipUsed, policy.ipSendLimit], [budget.value.prefixSends, deps.budgets.prefixHourly]] as const;
  if (captchaToken !== null && !captcha && captchaNeeded(deps.botCheck, pressure)) {
    const refused = await checkCaptcha(deps, captchaToken || undefined, base).then(() => null, (err: unknown) => err);
    if (refused) {
      await Promise.all([ledger.withdraw(key, purpose, issued.value.ticket, now).catch(() => undefined), refund()]);
      throw refused;
    }
  }
  // No line for an accepted request: the send's outcome (otp.sent,
  // otp.send_failed, otp.send_unconfirmed) follows in the same request and
  // says it, and under `wrangler dev` each console line costs ~2 ms of CPU.

  const sent: OtpSent = { status: "sent", expiresIn: policy.ttlSeconds, resendAfter: policy.resendCooldownSeconds };
  if (testCode !== undefined) {
    events.emit({ event: "otp.sent", outcome: "success", reason: "test_number", ...base, channel: options.channel ?? "sms" });
    return sent;
  }
  const issuedTicket = issued.value.ticket;
  const withdraw = (): Promise<void> => ledger.withdraw(key, purpose, issuedTicket, now);
  // The paid lookup last, once every free check and limit has passed (FRAUD-02).
  const lineType = await screenLineType(deps, phone.e164, hash, base, withdraw).catch(async (err: unknown) => {
    // Whatever stopped it (a refusal, or a cache that did not answer): nothing left, so nothing stays charged.
    await Promise.all([refund(), withdraw().catch(() => undefined)]);
    throw err;
  });
  const giveBack = async (): Promise<void> => {
    await Promise.all([withdraw().catch(() => undefined), refund()]);
  };
  // The prefix id the charge computed: the receipt tag needs it, and the HMAC is not done twice.
  const delivery = { phone, prefix: budget.value.prefix, channel: options.channel ?? "sms", purpose, code, ttlSeconds: policy.ttlSeconds, message: policy.message, languages: client.languages ?? [], sentAt: now } as const;
  // The send's lines carry what dashboards group by: the prefix (conversion) and the line type.
  const sendBase = { ...base, prefix: budget.value.prefix, ...(lineType ? { lineType } : {}) };
  if ((await deliverCode(deps, delivery, sendBase, giveBack)) === "unconfirmed") return sent;
  deps.background("budgets.conversion", () => checkConversion(deps, charged, budget.value.prefix, now, base));
  return sent;
}
