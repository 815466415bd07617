import { AuthError } from "../errors";
import type { CredentialRecord } from "./biometric-ports";
import type { BiometricDeps } from "./ceremony";
import type { Authenticated } from "./sessions";

/** What a client may see of a credential: never key material, handles or counters. */
export interface CredentialView {
  id: string;
  type: CredentialRecord["kind"];
  name: string;
  platform: CredentialRecord["platform"];
  createdAt: string;
  lastUsedAt: string | null;
  /** Passkeys: synced to other devices (WebAuthn BS); device keys never are. */
  backedUp: boolean;
  /** Passkeys: may be synced (WebAuthn BE: a multi-device credential). */
  multiDevice: boolean;
}

export function credentialView(c: CredentialRecord): CredentialView {
  return {
    id: c.id,
    type: c.kind,
    name: c.name,
    platform: c.platform,
    createdAt: new Date(c.createdAt).toISOString(),
    lastUsedAt: c.lastUsedAt === null ? null : new Date(c.lastUsedAt).toISOString(),
    backedUp: c.backedUp,
    multiDevice: c.backupEligible,
  };
}

export async function listCredentials(deps: BiometricDeps, auth: Authenticated): Promise<CredentialView[]> {
  return (await deps.credentials.list(auth.user.id)).map(credentialView);
}

/** Removes one of the user's credentials; the last one gone turns biometric login off. */
export async function removeCredential(deps: BiometricDeps, auth: Authenticated, id: string): Promise<{ biometricEnabled: boolean }> {
  const { removed, remaining } = await deps.credentials.remove(auth.user.id, id);
  // Another user's credential answers like a missing one.
  if (!removed) throw new AuthError("credential_not_found");
  deps.events.emit({ event: "credential.removed", outcome: "success", userId: auth.user.id, credentialKind: id.startsWith("device:") ? "device_key" : "passkey" });
  return { biometricEnabled: remaining > 0 };
}
