import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { constantTimeEqual, fromBase64url, randomBytes, toBase64url } from "../lib/crypto";
import { decryptPhone } from "../lib/keys";
import type { CredentialRecord } from "./biometric-ports";
import { ceremonyFailed, completeCeremony, issueChallenge, takeChallenge, CHALLENGE_TTL_SECONDS, MAX_CREDENTIALS_PER_USER, type BiometricDeps } from "./ceremony";
import { internationalFormat, maskPhone } from "./phone";
import type { Authenticated, IssuedSession } from "./sessions";

/** The relying party of one request: its RP ID and the exact origins it accepts. */
export interface RelyingParty {
  id: string;
  name: string;
  /** Web origins and the derived `android:apk-key-hash:` origins. */
  origins: readonly string[];
  /** What the passkey manager shows as the account name. */
  userName: "masked" | "full";
}

/** EdDSA, ES256, RS256 (COSE ids), in the order authenticators should prefer. */
const ALGORITHMS = [-8, -7, -257];
const TRANSPORTS = new Set<string>(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

/** The challenge a WebAuthn response signed, read from its clientDataJSON; null when unreadable. */
function signedChallenge(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== "string") return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64url(clientDataJSON))) as { challenge?: unknown };
    return typeof parsed.challenge === "string" ? parsed.challenge : null;
  } catch {
    return null;
  }
}

function transportsOf(list: readonly string[]): AuthenticatorTransportFuture[] {
  return list.filter((t): t is AuthenticatorTransportFuture => TRANSPORTS.has(t));
}

/** Creation options for a new passkey of a signed-in user. */
export async function passkeyRegistrationOptions(
  deps: BiometricDeps,
  auth: Authenticated,
  rp: RelyingParty,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const userId = auth.user.id;
  // One random handle per user, made once (never the user id or the phone).
  const [handle, existing, ciphertext, issued, preferences] = await Promise.all([
    deps.credentials.userHandle(userId, toBase64url(randomBytes(32))),
    deps.credentials.list(userId),
    deps.users.phoneCiphertext(userId),
    issueChallenge(deps, "passkey_register", userId, null),
    // Best effort: the display name is a nicety, never a reason to fail enrolment.
    deps.users.preferences(userId).catch(() => null),
  ]);
  const phone = ciphertext ? await decryptPhone(deps.keys, ciphertext) : null;
  const label = !phone ? "account" : rp.userName === "full" ? internationalFormat(phone) : maskPhone(phone);
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: label,
    // The name the user chose (PATCH /user), else the same label.
    userDisplayName: preferences?.displayName ?? label,
    userID: fromBase64url(handle),
    challenge: issued.bytes,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: "none",
    // BIO-03: an authenticator that already holds one of this user's passkeys says so instead of making another.
    excludeCredentials: existing.filter((c) => c.kind === "passkey").map((c) => ({ id: c.id, transports: transportsOf(c.transports) })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** Verifies a registration response and stores the passkey (public key only). */
export async function enablePasskey(
  deps: BiometricDeps,
  auth: Authenticated,
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  name: string | undefined,
): Promise<{ credentialId: string }> {
  const userId = auth.user.id;
  const challenge = signedChallenge(response.response.clientDataJSON);
  const [refused, held] = await Promise.all([
    takeChallenge(deps, challenge, { purpose: "passkey_register", userId, deviceId: null }),
    deps.credentials.list(userId),
  ]);
  if (refused) ceremonyFailed(deps, "passkey", refused, userId, true, "challenge_invalid");
  // A soft cap (two concurrent enrolments may both pass it): it bounds what every unlock lists.
  if (held.length >= MAX_CREDENTIALS_PER_USER) ceremonyFailed(deps, "passkey", "credential_limit", userId, true, "credential_limit");
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge!,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!verified.verified) throw new Error("registration not verified");
    info = verified.registrationInfo;
  } catch (err) {
    // The library's message names the failed check (origin, RP ID, flags...): logs only.
    ceremonyFailed(deps, "passkey", `registration: ${err instanceof Error ? err.message : "error"}`.slice(0, 200), userId, true);
  }
  const handle = await deps.credentials.userHandle(userId, toBase64url(randomBytes(32)));
  const now = deps.now();
  const record: CredentialRecord = {
    id: info.credential.id,
    userId,
    kind: "passkey",
    publicKey: toBase64url(info.credential.publicKey),
    algorithm: null,
    counter: info.credential.counter,
    transports: transportsOf(response.response.transports ?? []),
    backupEligible: info.credentialDeviceType === "multiDevice",
    backedUp: info.credentialBackedUp,
    aaguid: info.aaguid,
    userHandle: handle,
    deviceId: null,
    platform: "web",
    name: name ?? "Passkey",
    createdAt: now,
    lastUsedAt: null,
  };
  const outcome = await deps.credentials.add(record);
  if (outcome !== "added") ceremonyFailed(deps, "passkey", "credential_id_registered", userId, true, "credential_exists");
  deps.events.emit({ event: "biometric.enrolled", outcome: "success", userId, credentialKind: "passkey" });
  return { credentialId: record.id };
}

/** Request options: the user's passkeys when unlocking a session, none (discoverable) when signing in. */
export async function passkeyAuthenticationOptions(
  deps: BiometricDeps,
  auth: Authenticated | null,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const userId = auth?.user.id ?? null;
  const [issued, mine] = await Promise.all([
    issueChallenge(deps, userId ? "passkey_unlock" : "passkey_sign_in", userId, null),
    userId ? deps.credentials.list(userId) : Promise.resolve([]),
  ]);
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: issued.bytes,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    userVerification: "required",
    allowCredentials: mine.filter((c) => c.kind === "passkey").map((c) => ({ id: c.id, transports: transportsOf(c.transports) })),
  });
}

/** Verifies an assertion: unlocks `auth`'s session, or signs in when there is none. */
export async function verifyPasskey(
  deps: BiometricDeps,
  auth: Authenticated | null,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  client: { userAgent: string | null; country: string | null },
): Promise<IssuedSession> {
  const userId = auth?.user.id ?? null;
  const challenge = signedChallenge(response.response.clientDataJSON);
  // The challenge is spent whatever the credential lookup finds; both go in one round trip.
  const [refused, credential] = await Promise.all([
    takeChallenge(deps, challenge, { purpose: userId ? "passkey_unlock" : "passkey_sign_in", userId, deviceId: null }),
    response.id === response.rawId ? deps.credentials.get(response.id) : Promise.resolve(null),
  ]);
  if (refused) ceremonyFailed(deps, "passkey", refused, userId ?? undefined, false, "challenge_invalid");
  const fail = (reason: string, who?: string): never => ceremonyFailed(deps, "passkey", reason, who ?? userId ?? undefined, false);

  if (!credential || credential.kind !== "passkey") return fail("unknown_credential");
  if (userId && credential.userId !== userId) return fail("credential_of_another_user");
  // BIO-03: the authenticator must name the user the credential was made for.
  // Required without a session (discoverable sign-in); checked when present.
  const handle = response.response.userHandle;
  if ((!userId || handle !== undefined) && !constantTimeEqual(handle ?? "", credential.userHandle ?? "")) {
    return fail("user_handle_mismatch", credential.userId);
  }
  let info;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge!,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: { id: credential.id, publicKey: fromBase64url(credential.publicKey), counter: credential.counter, transports: transportsOf(credential.transports) },
    });
    if (!verified.verified) throw new Error("assertion not verified");
    info = verified.authenticationInfo;
  } catch (err) {
    // Includes a counter at or below the stored one when either is non-zero
    // (BIO-04: refused; the person signs in with a code instead).
    return fail(`assertion: ${err instanceof Error ? err.message : "error"}`.slice(0, 200), credential.userId);
  }
  // The BE flag is fixed for a credential's life: a change means another authenticator.
  if ((info.credentialDeviceType === "multiDevice") !== credential.backupEligible) return fail("backup_eligibility_changed", credential.userId);
  // Compare-and-set on the counter: of two assertions carrying the same counter one wins (BIO-04).
  const recorded = await deps.credentials.recordUse(credential.id, credential.counter, info.newCounter, info.credentialBackedUp, deps.now());
  if (!recorded) return fail("counter_race", credential.userId);
  return completeCeremony(deps, auth, credential, client);
}
