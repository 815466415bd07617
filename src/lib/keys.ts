import { KeyringError } from "../errors";
import { aesGcmDecrypt, aesGcmEncrypt, fromBase64url, hkdf, hmacSha256, importAesKey, importHmacKey, toHex, toBase64url, utf8 } from "./crypto";

/**
 * Keys derived from the configured secrets, held per isolate. The phone
 * number's encryption keys form a keyring that rotates (PHONE_DATA_KEYS);
 * the blind index has a key of its own that does not (docs/privacy-keys.md).
 */
export interface SecretKeys {
  /** HMAC key for code digests (from OTP_PEPPER). */
  otp: CryptoKey;
  /** HMAC key for the phone blind index (from PHONE_INDEX_KEY, else PHONE_DATA_KEY). */
  phoneIndex: CryptoKey;
  /** AES-GCM keys for phone numbers at rest: new ciphertexts use `current`; every key in `byId` still decrypts. */
  phoneKeys: PhoneKeyring;
  /** HMAC key peppering PINs before their KDF (from PIN_PEPPER), non-extractable. */
  pinPepper: CryptoKey;
  /** AES-GCM key sealing a voice code's words until the person presses a key (from OTP_PEPPER; VOICE_KEYPRESS). */
  voiceGate: CryptoKey;
}

export interface PhoneKeyring {
  current: { id: string; key: CryptoKey };
  byId: ReadonlyMap<string, CryptoKey>;
}

/** The key id of the encryption key derived from PHONE_DATA_KEY (and of every ciphertext written before key ids existed). */
export const LEGACY_KEY_ID = "pdk";

/** The secrets the keys come from (config.secrets). */
export interface KeySecrets {
  otpPepper: string;
  phoneDataKey: string;
  pinPepper: string;
  /** PHONE_DATA_KEYS, current first; empty: PHONE_DATA_KEY's derived key is current. */
  phoneDataKeys: readonly { id: string; secret: string }[];
  /** PHONE_INDEX_KEY; null: the index key derives from PHONE_DATA_KEY. */
  phoneIndexKey: string | null;
}

/** The version stored beside every PIN hash; a new PIN_PEPPER scheme would bump it. */
export const PIN_PEPPER_VERSION = 1;

const cache = new Map<string, Promise<SecretKeys>>();

/** Derives (once per isolate and set of secrets) the keys the domain uses. */
export function secretKeys(secrets: KeySecrets): Promise<SecretKeys> {
  const cacheKey = JSON.stringify(secrets);
  let keys = cache.get(cacheKey);
  if (!keys) {
    keys = derive(secrets);
    // A failed derivation must not stay cached.
    keys.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, keys);
  }
  return keys;
}

const ENCRYPTION_INFO = "edge-phone-auth phone encryption v1";

async function derive(s: KeySecrets): Promise<SecretKeys> {
  const dataKey = fromBase64url(s.phoneDataKey);
  const [otpRaw, gateRaw, indexRaw, legacyRaw, pinRaw, ...ringRaw] = await Promise.all([
    hkdf(fromBase64url(s.otpPepper), "edge-phone-auth otp digest v1"),
    hkdf(fromBase64url(s.otpPepper), "edge-phone-auth voice gate v1"),
    hkdf(s.phoneIndexKey ? fromBase64url(s.phoneIndexKey) : dataKey, "edge-phone-auth phone blind index v1"),
    hkdf(dataKey, ENCRYPTION_INFO),
    hkdf(fromBase64url(s.pinPepper), "edge-phone-auth pin pepper v1"),
    ...s.phoneDataKeys.map((k) => hkdf(fromBase64url(k.secret), ENCRYPTION_INFO)),
  ]);
  const byId = new Map<string, CryptoKey>([[LEGACY_KEY_ID, await importAesKey(legacyRaw!)]]);
  for (const [i, k] of s.phoneDataKeys.entries()) byId.set(k.id, await importAesKey(ringRaw[i]!));
  const currentId = s.phoneDataKeys[0]?.id ?? LEGACY_KEY_ID;
  return {
    otp: await importHmacKey(otpRaw!),
    phoneIndex: await importHmacKey(indexRaw!),
    phoneKeys: { current: { id: currentId, key: byId.get(currentId)! }, byId },
    pinPepper: await importHmacKey(pinRaw!),
    voiceGate: await importAesKey(gateRaw!),
  };
}

/** Keyed hash of a phone number (blind index): stable lookups, no raw number. */
export async function phoneHash(keys: SecretKeys, e164: string): Promise<string> {
  return toHex(await hmacSha256(keys.phoneIndex, `phone.v1|${e164}`));
}

/**
 * Keyed fingerprint of a request body (the Idempotency-Key check). Why keyed:
 * a body such as `{"phone":"+14155550123"}` comes from a space small enough
 * to enumerate, so a plain SHA-256 kept for 10 minutes would hold the number
 * in all but name. Same key as the blind index, another domain label.
 */
export async function bodyFingerprint(keys: SecretKeys, body: string): Promise<string> {
  return toBase64url(await hmacSha256(keys.phoneIndex, `idem-body.v1|${body}`));
}

// `v1.{keyId}.{base64url(iv ‖ ciphertext ‖ tag)}`; a bare base64url value is from before key ids (PHONE_DATA_KEY's key, no AAD).
const VERSIONED = /^v1\.([a-z0-9]{1,16})\.([A-Za-z0-9_-]+)$/;

/** The key id a stored ciphertext was made with (LEGACY_KEY_ID for one from before key ids). */
export function ciphertextKeyId(ciphertext: string): string {
  return VERSIONED.exec(ciphertext)?.[1] ?? LEGACY_KEY_ID;
}

/** The additional data of a versioned ciphertext: the key id is authenticated, so a prefix cannot be swapped to another key. */
const aad = (keyId: string): Uint8Array<ArrayBuffer> => utf8(`edge-phone-auth phone v1|${keyId}`);

/** The phone number encrypted for storage under the current key (DATA-01), with its key id. */
export async function encryptPhone(keys: SecretKeys, e164: string): Promise<string> {
  const { id, key } = keys.phoneKeys.current;
  return `v1.${id}.${toBase64url(await aesGcmEncrypt(key, e164, aad(id)))}`;
}

/** Decrypts a stored phone number under the key its id names; throws for an unknown key id or a value that does not authenticate. */
export async function decryptPhone(keys: SecretKeys, ciphertext: string): Promise<string> {
  const versioned = VERSIONED.exec(ciphertext);
  const keyId = versioned?.[1] ?? LEGACY_KEY_ID;
  const key = keys.phoneKeys.byId.get(keyId);
  if (!key) throw new KeyringError(`phone ciphertext under unknown key id "${keyId}": add it back to PHONE_DATA_KEYS`);
  const opened = versioned ? aesGcmDecrypt(key, fromBase64url(versioned[2]!), aad(keyId)) : aesGcmDecrypt(key, fromBase64url(ciphertext));
  // A value that does not authenticate under its key id (most likely an id reused for another secret) is a configuration fault too.
  return opened.catch((err: unknown) => {
    throw new KeyringError(`phone ciphertext does not open under key id "${keyId}": was the id given another secret in PHONE_DATA_KEYS?`, { cause: err });
  });
}
