import { fromBase64url, hkdf, hmacSha256, importAesKey, importHmacKey, toHex, aesGcmDecrypt, aesGcmEncrypt, toBase64url } from "./crypto";

/** Keys derived from the configured secrets, held per isolate. */
export interface SecretKeys {
  /** HMAC key for code digests (from OTP_PEPPER). */
  otp: CryptoKey;
  /** HMAC key for the phone blind index (from PHONE_DATA_KEY). */
  phoneIndex: CryptoKey;
  /** AES-GCM key for phone numbers at rest (from PHONE_DATA_KEY). */
  phoneEncryption: CryptoKey;
  /** HMAC key peppering PINs before their KDF (from PIN_PEPPER), non-extractable. */
  pinPepper: CryptoKey;
}

/** The version stored beside every PIN hash; a new PIN_PEPPER scheme would bump it. */
export const PIN_PEPPER_VERSION = 1;

const cache = new Map<string, Promise<SecretKeys>>();

/** Derives (once per isolate and secret pair) the keys the domain uses. */
export function secretKeys(otpPepper: string, phoneDataKey: string, pinPepper: string): Promise<SecretKeys> {
  const cacheKey = `${otpPepper}.${phoneDataKey}.${pinPepper}`;
  let keys = cache.get(cacheKey);
  if (!keys) {
    keys = derive(otpPepper, phoneDataKey, pinPepper);
    // A failed derivation must not stay cached.
    keys.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, keys);
  }
  return keys;
}

async function derive(otpPepper: string, phoneDataKey: string, pinPepper: string): Promise<SecretKeys> {
  const pepper = fromBase64url(otpPepper);
  const dataKey = fromBase64url(phoneDataKey);
  const [otpRaw, indexRaw, encRaw, pinRaw] = await Promise.all([
    hkdf(pepper, "edge-phone-auth otp digest v1"),
    hkdf(dataKey, "edge-phone-auth phone blind index v1"),
    hkdf(dataKey, "edge-phone-auth phone encryption v1"),
    hkdf(fromBase64url(pinPepper), "edge-phone-auth pin pepper v1"),
  ]);
  return {
    otp: await importHmacKey(otpRaw),
    phoneIndex: await importHmacKey(indexRaw),
    phoneEncryption: await importAesKey(encRaw),
    pinPepper: await importHmacKey(pinRaw),
  };
}

/** Keyed hash of a phone number (blind index): stable lookups, no raw number. */
export async function phoneHash(keys: SecretKeys, e164: string): Promise<string> {
  return toHex(await hmacSha256(keys.phoneIndex, `phone.v1|${e164}`));
}

/** The phone number encrypted for storage (DATA-01), base64url. */
export async function encryptPhone(keys: SecretKeys, e164: string): Promise<string> {
  return toBase64url(await aesGcmEncrypt(keys.phoneEncryption, e164));
}

/** Decrypts a stored phone number (encryptPhone's output). */
export function decryptPhone(keys: SecretKeys, ciphertext: string): Promise<string> {
  return aesGcmDecrypt(keys.phoneEncryption, fromBase64url(ciphertext));
}
