import { AuthError } from "../errors";
import { decryptPhone, phoneHash } from "../lib/keys";
import { withAccountLocale } from "./otp-common";
import { parseE164, type Phone } from "./phone";
import { checkCode, sendCode, type ClientContext, type OtpSent, type SignInDeps } from "./sign-in";
import { rotateToken, type Authenticated, type IssuedSession } from "./sessions";

/**
 * Step-up by SMS for a signed-in user with no biometric (or a user who
 * prefers a code): a code to the account's own number, purpose `step_up`,
 * under the same per-phone limits and lockout as sign-in. The code is bound
 * to its purpose (OTP-10), so a sign-in code cannot step up and a step-up
 * code cannot sign in. The number comes from the account, never the request.
 */
async function ownPhone(deps: SignInDeps, auth: Authenticated): Promise<Phone> {
  const ciphertext = await deps.users.phoneCiphertext(auth.user.id);
  // The session was checked a moment ago; a user gone since is a revoked session.
  if (!ciphertext) throw new AuthError("session_revoked");
  const phone = parseE164(await decryptPhone(deps.keys, ciphertext));
  if (!phone) throw new Error("the stored phone number does not parse");
  return phone;
}

export async function stepUpRequestOtp(deps: SignInDeps, auth: Authenticated, client: ClientContext): Promise<OtpSent> {
  const [phone, withLocale] = await Promise.all([ownPhone(deps, auth), withAccountLocale(deps, auth.user.id, client)]);
  return sendCode(deps, phone, withLocale, "step_up");
}

/** Checks the step-up code; a right one unlocks the session (new token, last authentication now) and clears wrong PINs. */
export async function stepUpVerifyOtp(deps: SignInDeps, auth: Authenticated, otp: string, client: ClientContext): Promise<IssuedSession> {
  const phone = await ownPhone(deps, auth);
  const hash = await phoneHash(deps.keys, phone.e164);
  const now = deps.now();
  await checkCode(deps, phone, hash, otp, client, "step_up", now, async () => auth.user);
  deps.events.emit({ event: "otp.verified", outcome: "success", userId: auth.user.id, phoneHash: hash, country: phone.country ?? undefined, purpose: "step_up" });
  // A code to the account's own number is as strong as a sign-in: it turns a locked PIN back on (PIN-03).
  // Cleared before the token rotates: a store failing here must not cost the user their session.
  await deps.users.clearPinFailures(auth.user.id);
  const issued = await rotateToken(deps, auth, ["sms"]);
  return { ...issued, user: { ...issued.user, pinFailures: 0 } };
}
