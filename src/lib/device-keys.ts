import { ECDSASigValue } from "@peculiar/asn1-ecc";
import { RSAPublicKey, id_rsaEncryption } from "@peculiar/asn1-rsa";
import { AsnParser, AsnSerializer } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

/**
 * Native device keys (React Native biometrics libraries: Android Keystore,
 * iOS Secure Enclave). Public keys arrive as base64 SubjectPublicKeyInfo, or
 * as a bare PKCS#1 RSAPublicKey (one library's iOS export); ES256 signatures
 * arrive ASN.1 DER-encoded, which WebCrypto does not take. ASN.1 is parsed by
 * @peculiar/asn1-* (the parsers @simplewebauthn/server uses), not by hand.
 */

export type DeviceKeyAlgorithm = "ES256" | "RS256";

export interface DevicePublicKey {
  /** SubjectPublicKeyInfo DER: what is stored. */
  spki: Uint8Array<ArrayBuffer>;
  key: CryptoKey;
}

const P256 = 32;
const MIN_RSA_BITS = 2048;

/** Decodes standard base64 or base64url, padded or not; null for anything else. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length === 0) return null;
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (standard.length % 4 === 1) return null;
  try {
    const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function importParams(algorithm: DeviceKeyAlgorithm): SubtleCryptoImportKeyAlgorithm {
  return algorithm === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
}

/** Wraps a bare PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (rsaEncryption, NULL parameters). */
function wrapPkcs1(der: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  try {
    AsnParser.parse(der, RSAPublicKey); // throws unless it is one
    const spki = new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null }),
      subjectPublicKey: der.slice().buffer,
    });
    return new Uint8Array(AsnSerializer.serialize(spki));
  } catch {
    return null;
  }
}

async function importSpki(spki: Uint8Array<ArrayBuffer>, algorithm: DeviceKeyAlgorithm): Promise<CryptoKey | null> {
  try {
    return await crypto.subtle.importKey("spki", spki, importParams(algorithm), false, ["verify"]);
  } catch {
    return null;
  }
}

/**
 * Imports a device's public key for `algorithm`, or null when it is not a
 * key of that type: ES256 must be a P-256 SPKI (WebCrypto checks the curve),
 * RS256 an RSA key of at least 2048 bits, as SPKI or bare PKCS#1.
 */
export async function importDevicePublicKey(base64: string, algorithm: DeviceKeyAlgorithm): Promise<DevicePublicKey | null> {
  const der = decodeBase64(base64);
  if (!der) return null;
  let spki = der;
  let key = await importSpki(spki, algorithm);
  if (!key && algorithm === "RS256") {
    const wrapped = wrapPkcs1(der);
    if (wrapped) {
      spki = wrapped;
      key = await importSpki(spki, algorithm);
    }
  }
  if (!key) return null;
  // A short RSA modulus is forgeable in practice; refuse it at enrolment.
  if (algorithm === "RS256" && (key.algorithm as CryptoKeyRsaKeyAlgorithm).modulusLength < MIN_RSA_BITS) return null;
  return { spki, key };
}

/** Left-pads (or strips the DER sign byte of) one integer to exactly `size` bytes; null if it is wider. */
function fixedWidth(int: Uint8Array, size: number): Uint8Array | null {
  let start = 0;
  while (start < int.length - 1 && int[start] === 0) start++;
  const digits = int.subarray(start);
  if (digits.length > size) return null;
  const out = new Uint8Array(size);
  out.set(digits, size - digits.length);
  return out;
}

/**
 * Converts an ASN.1 DER ECDSA signature (SEQUENCE of r and s) to the 64-byte
 * r‖s form WebCrypto verifies. Needed because workerd's verify returns false,
 * without an error, when handed DER. Null when it is not a P-256 DER signature
 * (a raw r‖s signature included: it is refused, not guessed at).
 */
export function derToRawEcdsa(der: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  if (der[0] !== 0x30) return null;
  let value: ECDSASigValue;
  try {
    value = AsnParser.parse(der, ECDSASigValue);
  } catch {
    return null;
  }
  // Re-encoding must give back the input: no trailing bytes, no odd lengths.
  const canonical = new Uint8Array(AsnSerializer.serialize(value));
  if (canonical.length !== der.length || canonical.some((b, i) => b !== der[i])) return null;
  const r = fixedWidth(new Uint8Array(value.r), P256);
  const s = fixedWidth(new Uint8Array(value.s), P256);
  if (!r || !s) return null;
  const raw = new Uint8Array(2 * P256);
  raw.set(r, 0);
  raw.set(s, P256);
  return raw;
}

/** Verifies a device signature (base64 or base64url) over the UTF-8 `payload`. */
export async function verifyDeviceSignature(
  key: CryptoKey,
  algorithm: DeviceKeyAlgorithm,
  payload: string,
  signatureBase64: string,
): Promise<boolean> {
  const signature = decodeBase64(signatureBase64);
  if (!signature) return false;
  const data = new TextEncoder().encode(payload);
  if (algorithm === "RS256") return crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, data);
  const raw = derToRawEcdsa(signature);
  if (!raw) return false;
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, data);
}

/** The UTF-8 string a device key signs for one ceremony (docs/biometrics.md). */
export function devicePayload(purpose: "enroll" | "unlock" | "sign_in", deviceId: string, challenge: string): string {
  return `edge-phone-auth:v1:${purpose}:${deviceId}:${challenge}`;
}
