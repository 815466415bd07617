/**
 * Small WebCrypto helpers. Everything here runs on Workers and in Node 22
 * alike: Uint8Array in, Uint8Array out, no Buffer.
 */
import { base64url } from "jose";

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Bytes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** A random opaque identifier: 16 bytes (128 bits) from the CSPRNG, base64url. */
export function randomId(bytes = 16): string {
  return base64url.encode(randomBytes(bytes));
}

export function toBase64url(bytes: Uint8Array): string {
  return base64url.encode(bytes);
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(base64url.decode(text));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function sha256(data: Uint8Array<ArrayBuffer> | string): Promise<Uint8Array<ArrayBuffer>> {
  const input = typeof data === "string" ? utf8(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", input));
}

/** Imports raw bytes as an HMAC-SHA-256 signing key. */
export function importHmacKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

export async function hmacSha256(key: CryptoKey, data: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(data)));
}

/**
 * Derives independent sub-keys from one secret with HKDF-SHA-256, so one
 * leaked purpose (say, a log of blind-index hashes) says nothing about another.
 */
export async function hkdf(secret: Uint8Array<ArrayBuffer>, info: string, length = 32): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(info) },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Constant-time equality for digests (OTP-12). The loop always runs over the
 * full length and never branches on content; inputs that are not strings
 * or byte arrays, or differ in length, simply compare unequal (never throw).
 */
export function constantTimeEqual(a: unknown, b: unknown): boolean {
  const x = asBytes(a);
  const y = asBytes(b);
  // Length is public (both sides are digests of a fixed size), so an early
  // return on it leaks nothing; the content loop never branches.
  if (x === null || y === null || x.length !== y.length || x.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

function asBytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return utf8(v);
  return null;
}

/** AES-256-GCM encryption with a random 96-bit nonce; output is nonce || ciphertext. */
/** AES-GCM with a fresh 96-bit nonce: nonce ‖ ciphertext ‖ tag. `additionalData` is authenticated, not encrypted. */
export async function aesGcmEncrypt(key: CryptoKey, plaintext: string, additionalData?: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const iv = randomBytes(12);
  const params = additionalData ? { name: "AES-GCM", iv, additionalData } : { name: "AES-GCM", iv };
  const sealed = new Uint8Array(await crypto.subtle.encrypt(params, key, utf8(plaintext)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv, 0);
  out.set(sealed, iv.length);
  return out;
}

export async function aesGcmDecrypt(key: CryptoKey, sealed: Uint8Array<ArrayBuffer>, additionalData?: Uint8Array<ArrayBuffer>): Promise<string> {
  const iv = sealed.slice(0, 12);
  const body = sealed.slice(12);
  const plain = await crypto.subtle.decrypt(additionalData ? { name: "AES-GCM", iv, additionalData } : { name: "AES-GCM", iv }, key, body);
  return new TextDecoder().decode(plain);
}

export function importAesKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}
