import { constantTimeEqual, fromBase64url, hmacSha256, randomBytes, toBase64url } from "./crypto";

/**
 * PIN storage (PIN-02): PBKDF2-HMAC-SHA-256 in WebCrypto over an HMAC of the
 * PIN under a server-side pepper, with a 16-byte random salt per PIN. The
 * pepper means a stolen database alone cannot be brute-forced (a 6-digit PIN
 * has only a million values, which no KDF cost can make safe by itself).
 * Algorithm, iteration count and pepper version are stored beside the hash,
 * so either can change later and old records still verify.
 */

/**
 * Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations;
 * local workerd has no cap, so a higher count passes every local test and
 * breaks in production. A unit test holds this at the cap.
 */
export const PIN_PBKDF2_ITERATIONS = 100_000;
export const PBKDF2_ITERATION_CAP = 100_000;

export interface PinHashRecord {
  alg: "pbkdf2-sha256";
  iterations: number;
  /** base64url, 16 random bytes */
  salt: string;
  /** base64url, 32 bytes */
  hash: string;
  pepperVersion: number;
}

async function derive(pepper: CryptoKey, pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  if (iterations > PBKDF2_ITERATION_CAP) throw new Error(`PBKDF2 iterations ${iterations} exceed the Workers cap of ${PBKDF2_ITERATION_CAP}`);
  const peppered = await hmacSha256(pepper, `pin.v1|${pin}`);
  const base = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256);
  return toBase64url(new Uint8Array(bits));
}

/** Hashes a PIN for storage under the pepper of version `pepperVersion`. */
export async function hashPin(pepper: CryptoKey, pepperVersion: number, pin: string): Promise<PinHashRecord> {
  const salt = randomBytes(16);
  return { alg: "pbkdf2-sha256", iterations: PIN_PBKDF2_ITERATIONS, salt: toBase64url(salt), hash: await derive(pepper, pin, salt, PIN_PBKDF2_ITERATIONS), pepperVersion };
}

/** Checks a PIN against its record, comparing in constant time. */
export async function verifyPin(pepper: CryptoKey, record: PinHashRecord, pin: string): Promise<boolean> {
  if (record.alg !== "pbkdf2-sha256") return false;
  const candidate = await derive(pepper, pin, fromBase64url(record.salt), record.iterations);
  return constantTimeEqual(candidate, record.hash);
}
