import { AuthError } from "../errors";
import { encryptPhone, phoneHash } from "../lib/keys";
import { phoneSubject, userSubject, type AuditStore } from "./audit";
import type { SessionDeps } from "./sessions";
import { checkCode, retryAfter, sendCode, type ClientContext, type OtpSent, type SignInDeps } from "./sign-in";
import { eventBase, requirePhone, withAccountLocale } from "./otp-common";

/**
 * Changing the account's phone number (issue 11): the new number is proved
 * by a code sent to it (purpose `phone_change`, so no other code can do it,
 * OTP-10), under every limit a sign-in code has. Only a right code moves
 * the account: the blind index and ciphertext are replaced in one write,
 * every other session ends, recognised devices are forgotten (they were
 * recognised for the old number), and the old number is free to sign up as
 * someone new. A number another account holds is refused (409) only after
 * its code was entered: only who holds that number learns it has an account.
 */

export interface PhoneChangeDeps extends SignInDeps, SessionDeps {
  audit: AuditStore;
  auditRetentionMs: number;
}

/** Codes for a new number per user per hour. Why: the number is the caller's choice, so each send could be a paid message to anywhere the number policy allows. */
export const PHONE_CHANGE_SENDS_PER_HOUR = 5;
export const PHONE_CHANGE_RULE = { limit: PHONE_CHANGE_SENDS_PER_HOUR, windowMs: 3_600_000 } as const;

export async function phoneChangeRequestOtp(
  deps: PhoneChangeDeps,
  user: { id: string; phoneHash: string },
  input: { phone: string },
  client: ClientContext,
): Promise<OtpSent> {
  const phone = requirePhone(input.phone);
  const userId = user.id;
  // The account's own number is no change: refused before any message is paid for.
  if ((await phoneHash(deps.keys, phone.e164)) === user.phoneHash) throw new AuthError("invalid_request", { cause: new Error("the account already has this number") });
  const spent = await deps.ipLimiter.hit(`user:phone-change:${userId}`, PHONE_CHANGE_RULE, deps.now());
  if (!spent.allowed) throw new AuthError("rate_limited", { retryAfterSeconds: retryAfter(spent.retryAfterMs) });
  return sendCode(deps, phone, await withAccountLocale(deps, userId, client), "phone_change");
}

export async function phoneChangeVerifyOtp(
  deps: PhoneChangeDeps,
  auth: { user: { id: string; phoneHash: string }; session: { id: string } },
  input: { phone: string; otp: string },
  client: ClientContext,
): Promise<{ revokedSessions: number }> {
  const phone = requirePhone(input.phone);
  const now = deps.now();
  const userId = auth.user.id;
  const [hash, ciphertext] = await Promise.all([phoneHash(deps.keys, phone.e164), encryptPhone(deps.keys, phone.e164)]);
  if (hash === auth.user.phoneHash) throw new AuthError("invalid_request", { cause: new Error("the account already has this number") });
  const outcome = await checkCode(deps, phone, hash, input.otp, client, "phone_change", now, () => deps.users.changePhone(userId, hash, ciphertext));
  if (outcome === "gone") throw new AuthError("session_revoked");
  if (outcome === "in_use") {
    deps.events.emit({ event: "account.phone_changed", outcome: "denied", reason: "phone_in_use", userId, ...eventBase(deps, phone, hash, "phone_change") });
    throw new AuthError("phone_in_use");
  }
  // The number moved: sessions elsewhere end, devices of the old number are forgotten, and the old number's
  // activity joins the user's own, so whoever gets that number next does not see it.
  const others = (await deps.sessions.list(userId, now)).filter((s) => s.id !== auth.session.id);
  const [revoked] = await Promise.all([
    Promise.all(others.map((s) => deps.sessions.revoke(userId, s.id))).then((r) => r.filter(Boolean).length),
    deps.devices.revokeAllForUser(userId, null, now),
    deps.audit.move(phoneSubject(auth.user.phoneHash), userSubject(userId), deps.auditRetentionMs),
  ]);
  deps.events.emit({ event: "account.phone_changed", outcome: "success", userId, ...eventBase(deps, phone, hash, "phone_change") });
  return { revokedSessions: revoked };
}
