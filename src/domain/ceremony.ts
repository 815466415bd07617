import { AuthError } from "../errors";
import { deviceIdForSignIn, deviceTokenAfterSignIn, type DeviceDeps } from "./devices";
import { randomBytes, sha256, toBase64url } from "../lib/crypto";
import type { SecretKeys } from "../lib/keys";
import type { ChallengePurpose, ChallengeStore, CredentialRecord, CredentialStore } from "./biometric-ports";
import type { RateLimiter } from "./ports";
import { spendVerifyBudget } from "./otp-common";
import { issueSession, rotateToken, type Authenticated, type IssuedSession, type SessionDeps } from "./sessions";

/** What passkey and device-key ceremonies need beyond sessions. */
export interface BiometricDeps extends SessionDeps, DeviceDeps {
  credentials: CredentialStore;
  challenges: ChallengeStore;
  keys: SecretKeys;
  ipLimiter: RateLimiter;
  policy: { ipVerifyLimit: number; ipWindowSeconds: number };
}

/** Most passkeys and device keys one user may hold (each is listed in every unlock's options). */
export const MAX_CREDENTIALS_PER_USER = 20;

/**
 * Spends one unit of the ceremony budget: per user when there is a session,
 * per client address otherwise. Each ceremony step stores a challenge or runs
 * a signature check, so neither a token nor an address may loop it without
 * bound; the budget is the verify budget (`IP_VERIFY_LIMIT` per
 * `IP_WINDOW_SECONDS`). Fails closed like every limit (a store that does not
 * answer is a 503).
 */
export async function spendCeremonyBudget(deps: BiometricDeps, userId: string | null, ip: string): Promise<void> {
  await spendVerifyBudget(deps, userId ? `user:bio:${userId}` : `ip:bio:${ip}`);
}

/** A ceremony challenge lives 5 minutes (BIO-01). */
export const CHALLENGE_TTL_SECONDS = 300;

/** The store key of a challenge: its hash, so the raw value is never a key. */
async function challengeId(challenge: string): Promise<string> {
  return toBase64url(await sha256(`challenge.v1|${challenge}`));
}

export interface IssuedChallenge {
  /** base64url of 32 CSPRNG bytes (BIO-01 asks for at least 16). */
  challenge: string;
  bytes: Uint8Array<ArrayBuffer>;
  expiresIn: number;
}

/** Makes and stores a single-use challenge bound to its purpose, user and device. */
export async function issueChallenge(
  deps: BiometricDeps,
  purpose: ChallengePurpose,
  userId: string | null,
  deviceId: string | null,
): Promise<IssuedChallenge> {
  const bytes = randomBytes(32);
  const challenge = toBase64url(bytes);
  const expiresAt = deps.now() + CHALLENGE_TTL_SECONDS * 1000;
  await deps.challenges.put(await challengeId(challenge), { purpose, userId, deviceId, expiresAt });
  return { challenge, bytes, expiresIn: CHALLENGE_TTL_SECONDS };
}

/**
 * Consumes a challenge and checks what it was issued for; returns why it is
 * refused, or null. Taken before any signature is checked, so a failed
 * attempt burns it too: a challenge is answered at most once, right or wrong
 * (BIO-01). A challenge issued for another purpose, user or device is
 * refused (no replay across ceremonies).
 */
export async function takeChallenge(
  deps: BiometricDeps,
  challenge: unknown,
  expected: { purpose: ChallengePurpose; userId: string | null; deviceId: string | null },
): Promise<string | null> {
  if (typeof challenge !== "string" || !/^[A-Za-z0-9_-]{22,128}$/.test(challenge)) return "malformed_challenge";
  const record = await deps.challenges.take(await challengeId(challenge), deps.now());
  if (!record) return "challenge_unknown_expired_or_used";
  if (record.purpose !== expected.purpose) return "challenge_wrong_purpose";
  if (record.userId !== expected.userId) return "challenge_wrong_user";
  if (record.deviceId !== expected.deviceId) return "challenge_wrong_device";
  return null;
}

/**
 * RFC 8176 methods of a ceremony: a key the device keeps in hardware
 * (`hwk`: a device key, or a passkey that cannot leave its authenticator)
 * or one that may be synced (`swk`: a backup-eligible passkey), plus `user`
 * for the user verification (biometric or device PIN) both require.
 */
export function amrFor(credential: CredentialRecord): string[] {
  const synced = credential.kind === "passkey" && credential.backupEligible;
  return [synced ? "swk" : "hwk", "user"];
}

/**
 * A ceremony that proved the credential: with a session, unlocks it (new
 * token, the old one refused at once, last authentication now); without
 * one, signs the credential's user in with a new session.
 */
export async function completeCeremony(
  deps: BiometricDeps,
  auth: Authenticated | null,
  credential: CredentialRecord,
  client: { userAgent: string | null; country: string | null },
): Promise<IssuedSession> {
  const now = deps.now();
  let issued: IssuedSession;
  if (auth) {
    issued = await rotateToken(deps, auth, amrFor(credential));
  } else {
    const user = await deps.users.getById(credential.userId);
    // A credential whose user is gone cannot sign anyone in.
    if (!user) throw new AuthError("biometric_failed", { cause: new Error("credential's user not found") });
    // A sign-in on this device: it becomes a recognised device for the user's number (FRAUD-05).
    const deviceId = deviceIdForSignIn(null, user.id);
    const [session, deviceToken] = await Promise.all([
      issueSession(deps, user, client, now, amrFor(credential), undefined, deviceId),
      deviceTokenAfterSignIn(deps, null, user.id, user.phoneHash, now, deviceId).catch(() => undefined),
    ]);
    issued = { ...session, deviceToken };
  }
  deps.events.emit({ event: "biometric.verified", outcome: "success", userId: credential.userId, sessionId: issued.session.id, credentialKind: credential.kind, reason: auth ? "unlock" : "sign_in" });
  deps.background("record-login", () => deps.users.recordLogin(credential.userId, now, auth ? null : client.country));
  return { ...issued, user: { ...issued.user, lastLoginAt: now } };
}

/** Logs why a ceremony failed (never in the response) and throws the public error. */
export function ceremonyFailed(
  deps: BiometricDeps,
  kind: CredentialRecord["kind"],
  reason: string,
  userId: string | undefined,
  enrolment: boolean,
  code?: "challenge_invalid" | "credential_exists" | "credential_limit",
): never {
  deps.events.emit({
    event: enrolment ? "biometric.enroll_failed" : "biometric.failed",
    outcome: enrolment ? "failure" : "denied",
    reason,
    credentialKind: kind,
    ...(userId ? { userId } : {}),
  });
  throw new AuthError(code ?? (enrolment ? "credential_invalid" : "biometric_failed"), { cause: new Error(reason) });
}
