/**
 * How biometric credentials are stored in a `users` document (pure: no
 * driver, unit-tested without a server). Credentials live in the user's
 * document under `authMethods.credentials`, the WebAuthn user handle under
 * `authMethods.webauthnUserHandle`; the validator (migrations/mongo/0003)
 * lists the same fields as CREDENTIAL_FIELDS.
 */
import type { CredentialKind, CredentialPlatform, CredentialRecord } from "../../domain/biometric-ports";

/** One element of `authMethods.credentials`. The owner is the document's `_id`, so no userId. */
export interface CredentialDocument {
  id: string;
  kind: CredentialKind;
  publicKey: string;
  algorithm: "ES256" | "RS256" | null;
  counter: number;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  aaguid: string | null;
  userHandle: string | null;
  deviceId: string | null;
  platform: CredentialPlatform | null;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Every field of a CredentialDocument: all required by the validator, none other allowed. */
export const CREDENTIAL_FIELDS = [
  "id",
  "kind",
  "publicKey",
  "algorithm",
  "counter",
  "transports",
  "backupEligible",
  "backedUp",
  "aaguid",
  "userHandle",
  "deviceId",
  "platform",
  "name",
  "createdAt",
  "lastUsedAt",
] as const satisfies readonly (keyof CredentialDocument)[];

/** The part of a `users` document the credential store reads and writes. */
export interface CredentialHolder {
  _id: string;
  authMethods: {
    biometric: { enabled: boolean } | null;
    credentials?: CredentialDocument[];
    webauthnUserHandle?: string;
  };
}

/** What a projected read of a holder may contain (any part can be absent). */
export interface ProjectedHolder {
  _id: string;
  authMethods?: {
    credentials?: Partial<CredentialDocument>[] | null;
    webauthnUserHandle?: string | null;
  } | null;
}

export function toCredentialDocument(c: CredentialRecord): CredentialDocument {
  return {
    id: c.id,
    kind: c.kind,
    publicKey: c.publicKey,
    algorithm: c.algorithm,
    counter: c.counter,
    transports: [...c.transports],
    backupEligible: c.backupEligible,
    backedUp: c.backedUp,
    aaguid: c.aaguid,
    userHandle: c.userHandle,
    deviceId: c.deviceId,
    platform: c.platform,
    name: c.name,
    createdAt: new Date(c.createdAt),
    lastUsedAt: c.lastUsedAt === null ? null : new Date(c.lastUsedAt),
  };
}

export function toCredentialRecord(userId: string, d: CredentialDocument): CredentialRecord {
  return {
    id: d.id,
    userId,
    kind: d.kind,
    publicKey: d.publicKey,
    algorithm: d.algorithm,
    // Stored as int32 or double depending on size; both read back as a number.
    counter: Number(d.counter),
    transports: [...d.transports],
    backupEligible: d.backupEligible,
    backedUp: d.backedUp,
    aaguid: d.aaguid,
    userHandle: d.userHandle,
    deviceId: d.deviceId,
    platform: d.platform,
    name: d.name,
    createdAt: d.createdAt.getTime(),
    lastUsedAt: d.lastUsedAt ? d.lastUsedAt.getTime() : null,
  };
}

function storedCredentials(doc: ProjectedHolder | null): Partial<CredentialDocument>[] {
  return doc?.authMethods?.credentials ?? [];
}

/**
 * The credential `id` from a holder read by id. The id is matched again here
 * rather than trusting the positional projection to have picked it.
 */
export function pickCredential(doc: ProjectedHolder | null, id: string): CredentialRecord | null {
  const found = storedCredentials(doc).find((c) => c.id === id);
  return doc && found ? toCredentialRecord(doc._id, found as CredentialDocument) : null;
}

/** The holder's credentials, oldest first (then by id), as the D1 adapter lists them. */
export function listCredentials(doc: ProjectedHolder | null): CredentialRecord[] {
  if (!doc) return [];
  return storedCredentials(doc)
    .map((c) => toCredentialRecord(doc._id, c as CredentialDocument))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** How many credentials a holder has (0 for no document or no array). */
export function credentialCount(doc: ProjectedHolder | null): number {
  return storedCredentials(doc).length;
}

/** The stored WebAuthn user handle, or null when none is stored. */
export function storedUserHandle(doc: ProjectedHolder | null): string | null {
  const handle = doc?.authMethods?.webauthnUserHandle;
  return typeof handle === "string" && handle.length > 0 ? handle : null;
}
