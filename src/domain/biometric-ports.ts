/**
 * Ports for biometric sign-in: the credentials users enrol (WebAuthn
 * passkeys and native device keys) and the single-use challenges their
 * ceremonies sign. Each has one contract suite (test/contracts) run against
 * every adapter. Only public keys are stored; no biometric data ever is.
 */

export type CredentialKind = "passkey" | "device_key";

export type CredentialPlatform = "ios" | "android" | "web";

export interface CredentialRecord {
  /**
   * Passkey: the WebAuthn credential id (base64url). Device key:
   * `device:` + the app's device id (base64url has no `:`, so the two
   * kinds can never collide).
   */
  id: string;
  userId: string;
  kind: CredentialKind;
  /** base64url public key: a COSE key for a passkey, SubjectPublicKeyInfo DER for a device key. Never sent to clients. */
  publicKey: string;
  /** Device keys: "ES256" or "RS256". Passkeys: the COSE key names its own algorithm, so null. */
  algorithm: "ES256" | "RS256" | null;
  /** The authenticator's signature counter (0 when it keeps none; device keys: always 0). */
  counter: number;
  transports: string[];
  /** WebAuthn BE flag at registration: fixed for the credential's life. */
  backupEligible: boolean;
  /** WebAuthn BS flag, as last seen. */
  backedUp: boolean;
  aaguid: string | null;
  /** The WebAuthn user handle the passkey was created under (base64url); null for device keys. */
  userHandle: string | null;
  /** Device keys: the app's device id. */
  deviceId: string | null;
  platform: CredentialPlatform | null;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/**
 * `added`: new. `replaced`: a device key for a device the same user had
 * already enrolled (the app made a new key, e.g. after the device's
 * biometrics changed). `taken`: the id is registered already: a passkey id
 * to anyone, or a device id to another user (BIO-03).
 */
export type AddCredentialOutcome = "added" | "replaced" | "taken";

export interface CredentialStore {
  /** Adds a credential and marks its user biometric-enabled, in one atomic step. */
  add(credential: CredentialRecord): Promise<AddCredentialOutcome>;
  get(id: string): Promise<CredentialRecord | null>;
  list(userId: string): Promise<CredentialRecord[]>;
  /**
   * Records a successful use. Compare-and-set on the counter (BIO-04): only
   * if the stored counter still equals `expectedCounter`, so of two
   * concurrent assertions carrying the same counter at most one gets through.
   */
  recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean>;
  /** Removes one of the user's credentials; the user stays biometric-enabled only while one remains. */
  remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }>;
  /**
   * The user's WebAuthn user handle: the one stored, or `candidate` stored
   * now. Under a race the first writer wins and both callers get its value.
   */
  userHandle(userId: string, candidate: string): Promise<string>;
  /** Releases per-request resources (a per-request database client), if any. */
  dispose?(): Promise<void>;
}

export type ChallengePurpose =
  | "passkey_register"
  | "passkey_unlock"
  | "passkey_sign_in"
  | "device_enroll"
  | "device_unlock"
  | "device_sign_in";

export interface ChallengeRecord {
  purpose: ChallengePurpose;
  /** The signed-in user it was issued to; null for a sign-in ceremony. */
  userId: string | null;
  /** Device-key ceremonies: the device it was issued for. */
  deviceId: string | null;
  expiresAt: number;
}

/** Single-use ceremony challenges with a TTL (BIO-01). */
export interface ChallengeStore {
  /** `id` is the domain's hash of the challenge; the raw challenge is never a key. */
  put(id: string, record: ChallengeRecord): Promise<void>;
  /**
   * Removes the challenge and returns it if it was live: of any number of
   * concurrent takes, one gets the record and the rest get null.
   */
  take(id: string, now: number): Promise<ChallengeRecord | null>;
}
