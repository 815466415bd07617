import { AuthError } from "../errors";
import { toBase64url } from "../lib/crypto";
import { devicePayload, importDevicePublicKey, verifyDeviceSignature, type DeviceKeyAlgorithm } from "../lib/device-keys";
import type { ChallengePurpose, CredentialPlatform, CredentialRecord } from "./biometric-ports";
import { ceremonyFailed, completeCeremony, issueChallenge, takeChallenge, MAX_CREDENTIALS_PER_USER, type BiometricDeps } from "./ceremony";
import type { Authenticated, IssuedSession } from "./sessions";

/** Ceremonies a device key signs, as the API names them. */
export type DevicePurpose = "enroll" | "unlock" | "sign_in";

const STORED_PURPOSE: Record<DevicePurpose, ChallengePurpose> = {
  enroll: "device_enroll",
  unlock: "device_unlock",
  sign_in: "device_sign_in",
};

/** A device key's credential id: its device id under a prefix base64url cannot produce. */
export const deviceCredentialId = (deviceId: string): string => `device:${deviceId}`;

/**
 * Issues a device challenge. Enrolling and unlocking belong to a signed-in
 * user (the challenge is bound to them); signing in binds only the device,
 * and is answered the same whether or not the device is enrolled.
 */
export async function deviceChallenge(
  deps: BiometricDeps,
  auth: Authenticated | null,
  deviceId: string,
  purpose: DevicePurpose,
): Promise<{ challenge: string; expiresIn: number }> {
  if (purpose !== "sign_in" && !auth) throw new AuthError("unauthorized");
  const userId = purpose === "sign_in" ? null : auth!.user.id;
  const { challenge, expiresIn } = await issueChallenge(deps, STORED_PURPOSE[purpose], userId, deviceId);
  return { challenge, expiresIn };
}

export interface DeviceKeyEnrolment {
  deviceId: string;
  publicKey: string;
  algorithm: DeviceKeyAlgorithm;
  name?: string | undefined;
  platform?: "ios" | "android" | undefined;
}

/**
 * Enrols a device key: the proof signs an enrol challenge issued to this
 * user for this device, so the app shows it holds the private key (BIO-05).
 * Only the public key is stored; a bare PKCS#1 RSA key is stored as SPKI.
 */
export async function enableDeviceKey(
  deps: BiometricDeps,
  auth: Authenticated,
  key: DeviceKeyEnrolment,
  proof: { challenge: string; signature: string },
): Promise<{ credentialId: string }> {
  const userId = auth.user.id;
  const [refused, held] = await Promise.all([
    takeChallenge(deps, proof.challenge, { purpose: "device_enroll", userId, deviceId: key.deviceId }),
    deps.credentials.list(userId),
  ]);
  if (refused) ceremonyFailed(deps, "device_key", refused, userId, true, "challenge_invalid");
  // A soft cap (see enablePasskey); re-enrolling one of the user's devices replaces, so it is not counted.
  if (held.length >= MAX_CREDENTIALS_PER_USER && !held.some((c) => c.id === deviceCredentialId(key.deviceId))) {
    ceremonyFailed(deps, "device_key", "credential_limit", userId, true, "credential_limit");
  }
  const imported = await importDevicePublicKey(key.publicKey, key.algorithm);
  if (!imported) ceremonyFailed(deps, "device_key", "public_key_unusable", userId, true);
  const signed = devicePayload("enroll", key.deviceId, proof.challenge);
  if (!(await verifyDeviceSignature(imported.key, key.algorithm, signed, proof.signature))) {
    ceremonyFailed(deps, "device_key", "proof_signature_invalid", userId, true);
  }
  const now = deps.now();
  const platform: CredentialPlatform | null = key.platform ?? null;
  const record: CredentialRecord = {
    id: deviceCredentialId(key.deviceId),
    userId,
    kind: "device_key",
    publicKey: toBase64url(imported.spki),
    algorithm: key.algorithm,
    counter: 0,
    transports: [],
    backupEligible: false,
    backedUp: false,
    aaguid: null,
    userHandle: null,
    deviceId: key.deviceId,
    platform,
    name: key.name ?? (platform === "ios" ? "iPhone" : platform === "android" ? "Android device" : "Device key"),
    createdAt: now,
    lastUsedAt: null,
  };
  // The same user re-enrolling a device (a new key after its biometrics
  // changed) replaces the old key; another user's device id is refused.
  const outcome = await deps.credentials.add(record);
  if (outcome === "taken") ceremonyFailed(deps, "device_key", "device_id_registered", userId, true, "credential_exists");
  deps.events.emit({ event: "biometric.enrolled", outcome: "success", userId, credentialKind: "device_key", ...(outcome === "replaced" ? { reason: "replaced" } : {}) });
  return { credentialId: record.id };
}

/** Verifies a device signature: unlocks `auth`'s session, or signs in when there is none. */
export async function verifyDeviceKey(
  deps: BiometricDeps,
  auth: Authenticated | null,
  signature: { deviceId: string; challenge: string; signature: string },
  client: { userAgent: string | null; country: string | null },
): Promise<IssuedSession> {
  const userId = auth?.user.id ?? null;
  const purpose: DevicePurpose = userId ? "unlock" : "sign_in";
  // The challenge is spent whatever the lookup finds; both go in one round trip.
  const [refused, credential] = await Promise.all([
    takeChallenge(deps, signature.challenge, { purpose: STORED_PURPOSE[purpose], userId, deviceId: signature.deviceId }),
    deps.credentials.get(deviceCredentialId(signature.deviceId)),
  ]);
  if (refused) ceremonyFailed(deps, "device_key", refused, userId ?? undefined, false, "challenge_invalid");
  const fail = (reason: string, who?: string): never => ceremonyFailed(deps, "device_key", reason, who ?? userId ?? undefined, false);

  if (!credential || credential.kind !== "device_key" || !credential.algorithm) return fail("unknown_device");
  if (userId && credential.userId !== userId) return fail("device_of_another_user");
  const key = await importDevicePublicKey(credential.publicKey, credential.algorithm);
  if (!key) return fail("stored_key_unusable", credential.userId);
  const signed = devicePayload(purpose, signature.deviceId, signature.challenge);
  if (!(await verifyDeviceSignature(key.key, credential.algorithm, signed, signature.signature))) {
    return fail("signature_invalid", credential.userId);
  }
  // Device keys keep no counter; this records the use (and fails if the key was removed meanwhile).
  if (!(await deps.credentials.recordUse(credential.id, 0, 0, false, deps.now()))) return fail("credential_removed", credential.userId);
  return completeCeremony(deps, auth, credential, client);
}
