import { encryptPhone, phoneHash } from "../lib/keys";
import { prefixHealth, prefixId, recordConversion } from "./budgets";
import { cachedLineType } from "./line-type";
import { checkCode } from "./check-code";
import { deviceIdForSignIn, deviceTokenAfterSignIn, recognisedDevice } from "./devices";
import { assessSignIn } from "./risk";
import { eventBase, requirePhone, type ClientContext, type OtpSent, type SignInDeps } from "./otp-common";
import { sendCode } from "./send-code";
import type { Channel } from "./delivery";
import { issueSession, type IssuedSession } from "./sessions";

/** Sign-in by SMS code: the two use-cases behind request-otp and verify-otp. */

export { checkCode } from "./check-code";
export { retryAfter, type ClientContext, type OtpPolicy, type OtpSent, type SignInDeps } from "./otp-common";
export { sendCode } from "./send-code";

/**
 * Sends a sign-in code. The answer is the same whether or not the phone has
 * an account (SEND-03): this use-case never reads the user store.
 */
export async function requestOtp(
  deps: SignInDeps,
  input: { phone: string; captchaToken?: string | undefined; deviceToken?: string | undefined; locale?: string | undefined; channel?: Channel | undefined },
  client: ClientContext,
): Promise<OtpSent> {
  // A locale the person chose in the app comes before what their browser or phone says.
  const languages = input.locale ? [input.locale, ...(client.languages ?? [])] : client.languages;
  return sendCode(deps, requirePhone(input.phone), { ...client, ...(languages ? { languages } : {}) }, "sign_in", { captchaToken: input.captchaToken ?? "", deviceToken: input.deviceToken, channel: input.channel });
}

export interface SignedIn extends IssuedSession {
  isNewUser: boolean;
  /** The device's token for its next sign-in (FRAUD-05): rotated when one was presented, else new; absent when it could not be stored. */
  deviceToken: string | undefined;
}

/** Checks a code and, on success, signs the user in (creating them if new). */
export async function verifyOtp(
  deps: SignInDeps,
  input: { phone: string; otp: string; deviceToken?: string | undefined },
  client: ClientContext,
): Promise<SignedIn> {
  const phone = requirePhone(input.phone);
  const now = deps.now();
  // The keyed prefix id serves the risk score, the conversion count and the event's prefix label.
  const [hash, ciphertext, prefixKey] = await Promise.all([phoneHash(deps.keys, phone.e164), encryptPhone(deps.keys, phone.e164), prefixId(deps.keys, phone)]);
  const device = input.deviceToken ? await recognisedDevice(deps, input.deviceToken, hash, now) : null;
  // The user is found or created only once the guess is known right, idempotently under races.
  const observed = { ipVerifyUsed: 0 };
  // The prefix's traffic and the cached line type are read beside the check
  // (no extra round trip) for the risk score; either failing only leaves its signal out.
  const [found, prefix, lineType] = await Promise.all([
    checkCode(deps, phone, hash, input.otp, client, "sign_in", now, () => deps.users.findOrCreateByPhone(hash, ciphertext, now), device, observed),
    prefixHealth(deps, prefixKey, phone.country, now).catch(() => null),
    cachedLineType(deps, hash, now).catch(() => null),
  ]);
  const risk = assessSignIn({
    recognisedDevice: device !== null,
    requestCountry: client.country,
    lastCountry: found.user.lastCountry,
    ipVerifyUsed: observed.ipVerifyUsed,
    ipVerifyLimit: deps.policy.ipVerifyLimit,
    lineType,
    prefix,
  });
  // Only a user with a way to unlock (passkey, device key, PIN) can be asked to; a first sign-in has none.
  const hasUnlock = found.user.biometricEnabled || (found.user.pinEnabled && found.user.pinFailures < deps.pinMaxAttempts);
  const stepUp = deps.riskThreshold > 0 && risk.score > deps.riskThreshold && hasUnlock;
  deps.background("users.recordLogin", () => deps.users.recordLogin(found.user.id, now, client.country));
  // The prefix converted: what tells real traffic from pumping (FRAUD-04).
  deps.background("budgets.conversion", () => recordConversion(deps, prefixKey, now));
  deps.events.emit({ event: "otp.verified", outcome: "success", userId: found.user.id, riskScore: risk.score, riskReasons: risk.reasons, ...eventBase(deps, phone, hash, "sign_in", device), prefix: prefixKey });
  const deviceId = deviceIdForSignIn(device, found.user.id);
  const [issued, deviceToken] = await Promise.all([
    issueSession(deps, found.user, client, now, ["sms"], { ...risk, stepUp }, deviceId),
    // Best effort: the sign-in stands without a device token (the code is spent and the session written).
    deviceTokenAfterSignIn(deps, device, found.user.id, hash, now, deviceId).catch(() => undefined),
  ]);
  return { ...issued, isNewUser: found.created, deviceToken };
}
