/**
 * Software authenticators for tests: real key pairs, real signatures.
 *
 * - {@link SoftAuthenticator}: a WebAuthn platform authenticator producing
 *   `none`-attestation registrations and assertions (CBOR via tiny-cbor,
 *   authenticator data per WebAuthn §6.1, ES256 signatures DER-encoded as
 *   real authenticators send them).
 * - {@link SoftDeviceKey}: a native app's device key, exported and signing
 *   the way React Native biometrics libraries do (standard base64, DER ECDSA).
 *
 * Runs inside workerd: WebCrypto and Uint8Array only, no Node APIs.
 */
import { encodeCBOR, type CBORType } from "@levischuck/tiny-cbor";
import { ECDSASigValue } from "@peculiar/asn1-ecc";
import { AsnParser, AsnSerializer } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

// ---------------------------------------------------------------- bytes

const utf8 = new TextEncoder();

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Standard base64 (with padding). */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes standard base64 or base64url, padded or not. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** SHA-256 of bytes or of a string's UTF-8. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof data === "string" ? utf8.encode(data) : concatBytes(data);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

function asKeyPair(key: CryptoKeyPair | CryptoKey): CryptoKeyPair {
  if ("privateKey" in key) return key;
  throw new Error("expected a key pair");
}

async function exportBytes(format: "raw" | "spki", key: CryptoKey): Promise<Uint8Array<ArrayBuffer>> {
  const out = await crypto.subtle.exportKey(format, key);
  if (!(out instanceof ArrayBuffer)) throw new Error(`exportKey(${format}) gave no bytes`);
  return new Uint8Array(out);
}

// ---------------------------------------------------------------- ECDSA signature encodings

/** Minimal DER INTEGER content: leading zeros stripped, a 0x00 added if the high bit is set. */
function derInteger(unsigned: Uint8Array): ArrayBuffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const trimmed = unsigned.slice(i);
  return ((trimmed[0] ?? 0) & 0x80 ? concatBytes(new Uint8Array([0]), trimmed) : trimmed).buffer;
}

/** Raw 64-byte r‖s (what WebCrypto produces for P-256) → ASN.1 DER `ECDSA-Sig-Value`. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  if (raw.length !== 64) throw new Error(`raw P-256 signature must be 64 bytes, got ${raw.length}`);
  const value = new ECDSASigValue({ r: derInteger(raw.subarray(0, 32)), s: derInteger(raw.subarray(32)) });
  return new Uint8Array(AsnSerializer.serialize(value));
}

/** ASN.1 DER `ECDSA-Sig-Value` → raw 64-byte r‖s (what WebCrypto verifies for P-256). */
export function ecdsaDerToRaw(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const { r, s } = AsnParser.parse(concatBytes(der), ECDSASigValue);
  const fixed = (int: ArrayBuffer): Uint8Array => {
    let bytes = new Uint8Array(int);
    while (bytes.length > 32 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > 32) throw new Error("ECDSA integer longer than 32 bytes");
    return concatBytes(new Uint8Array(32 - bytes.length), bytes);
  };
  return concatBytes(fixed(r), fixed(s));
}

// ---------------------------------------------------------------- WebAuthn

/** Passkey algorithm: ES256 = COSE -7 (P-256), EdDSA = COSE -8 (Ed25519). */
export type PasskeyAlg = "ES256" | "EdDSA";

/** Authenticator-data flags (UP 0x01, UV 0x04, BE 0x08, BS 0x10). AT 0x40 is set by register() itself. */
export interface Flags {
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
}

/** Per-ceremony deviations from what an honest authenticator and browser would send. */
export interface CeremonyOverrides {
  /** clientData `origin` (default: the authenticator's origin). */
  origin?: string;
  /** RP ID hashed into authenticator data (default: the authenticator's RP ID). */
  rpId?: string;
  /** clientData `type` (default: webauthn.create / webauthn.get). */
  type?: string;
  /** clientData `challenge` (default: the options' challenge, as given). */
  challenge?: string;
  /** Merged over the authenticator's flags for this ceremony only. */
  flags?: Flags;
  /** assert(): signature counter to report; the stored counter is left unchanged. */
  counter?: number;
  /** assert(): userHandle to send (base64url); null omits it. Default: the handle from register(). */
  userHandle?: string | null;
}

/** Options of {@link SoftAuthenticator.create}. */
export interface SoftAuthenticatorOptions {
  alg: PasskeyAlg;
  origin: string;
  rpId: string;
  /** Default flags: UP=1, UV=1, BE=0, BS=0 (a device-bound passkey). */
  flags?: Flags;
  /** Starting signature counter (default 0), or "none": an authenticator that always reports 0. */
  counter?: number | "none";
  /** AAGUID as a UUID string (default: all zeros). */
  aaguid?: string;
}

const COSE_ALG: Record<PasskeyAlg, number> = { ES256: -7, EdDSA: -8 };

/**
 * A WebAuthn platform authenticator in software. It does not enforce
 * pubKeyCredParams, excludeCredentials or allowCredentials: the tests
 * decide what it is asked to do.
 */
export class SoftAuthenticator {
  /** Signature counter: +1 before each assertion (unless created with counter "none"); writable to simulate clones. */
  counter: number;
  /** The user handle (base64url) of the last register() call, sent back in assertions. */
  userHandle: string | null = null;

  private constructor(
    readonly alg: PasskeyAlg,
    readonly origin: string,
    readonly rpId: string,
    readonly flags: Required<Flags>,
    private readonly countsSignatures: boolean,
    startCounter: number,
    private readonly aaguid: Uint8Array,
    private readonly keys: CryptoKeyPair,
    /** The credential id (base64url, 16–32 random bytes). */
    readonly credentialId: string,
    /** The COSE_Key placed in the attested credential data. */
    readonly cosePublicKey: Uint8Array,
  ) {
    this.counter = startCounter;
  }

  /** Generates a fresh key pair and credential id. */
  static async create(opts: SoftAuthenticatorOptions): Promise<SoftAuthenticator> {
    const params = opts.alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
    const keys = asKeyPair(await crypto.subtle.generateKey(params, true, ["sign", "verify"]));
    const raw = await exportBytes("raw", keys.publicKey);
    const cose = new Map<string | number, CBORType>(
      opts.alg === "ES256"
        ? [[1, 2], [3, -7], [-1, 1], [-2, raw.slice(1, 33)], [-3, raw.slice(33, 65)]]
        : [[1, 1], [3, -8], [-1, 6], [-2, raw]],
    );
    const aaguidHex = (opts.aaguid ?? "").replace(/-/g, "").padStart(32, "0");
    const aaguid = Uint8Array.from(aaguidHex.match(/../g) ?? [], (h) => parseInt(h, 16));
    const idLength = 16 + ((crypto.getRandomValues(new Uint8Array(1))[0] ?? 0) % 17);
    return new SoftAuthenticator(
      opts.alg,
      opts.origin,
      opts.rpId,
      { up: true, uv: true, be: false, bs: false, ...opts.flags },
      opts.counter !== "none",
      typeof opts.counter === "number" ? opts.counter : 0,
      aaguid,
      keys,
      toBase64Url(randomBytes(idLength)),
      encodeCBOR(cose),
    );
  }

  /** Answers navigator.credentials.create(): a `none` attestation, as RegistrationResponseJSON. */
  async register(options: PublicKeyCredentialCreationOptionsJSON, o: CeremonyOverrides = {}): Promise<RegistrationResponseJSON> {
    this.userHandle = options.user.id;
    const idBytes = fromBase64(this.credentialId);
    const length = new Uint8Array([idBytes.length >> 8, idBytes.length & 0xff]);
    const attested = concatBytes(this.aaguid, length, idBytes, this.cosePublicKey);
    const authData = await this.authData(o, 0x40, this.countsSignatures ? this.counter : 0, attested);
    const clientData = this.clientData("webauthn.create", options.challenge, o);
    const attestationObject = encodeCBOR(
      new Map<string | number, CBORType>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: toBase64Url(clientData),
        attestationObject: toBase64Url(attestationObject),
        authenticatorData: toBase64Url(authData),
        transports: ["internal", "hybrid"],
        publicKeyAlgorithm: COSE_ALG[this.alg],
        publicKey: toBase64Url(await exportBytes("spki", this.keys.publicKey)),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Answers navigator.credentials.get(): a signed assertion, as AuthenticationResponseJSON. */
  async assert(options: PublicKeyCredentialRequestOptionsJSON, o: CeremonyOverrides = {}): Promise<AuthenticationResponseJSON> {
    if (this.countsSignatures) this.counter += 1;
    const counter = o.counter ?? (this.countsSignatures ? this.counter : 0);
    const authData = await this.authData(o, 0, counter);
    const clientData = this.clientData("webauthn.get", options.challenge, o);
    const signed = concatBytes(authData, await sha256(clientData));
    const algorithm = this.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
    const raw = new Uint8Array(await crypto.subtle.sign(algorithm, this.keys.privateKey, signed));
    const userHandle = o.userHandle === undefined ? this.userHandle : o.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: toBase64Url(clientData),
        authenticatorData: toBase64Url(authData),
        signature: toBase64Url(this.alg === "ES256" ? ecdsaRawToDer(raw) : raw),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** rpIdHash(32) ‖ flags(1) ‖ signCount(4, big-endian) ‖ attested credential data. */
  private async authData(o: CeremonyOverrides, extraFlags: number, counter: number, attested?: Uint8Array): Promise<Uint8Array> {
    const f = { ...this.flags, ...o.flags };
    const flags = (f.up ? 0x01 : 0) | (f.uv ? 0x04 : 0) | (f.be ? 0x08 : 0) | (f.bs ? 0x10 : 0) | extraFlags;
    const head = new Uint8Array(5);
    head[0] = flags;
    new DataView(head.buffer).setUint32(1, counter >>> 0, false);
    return concatBytes(await sha256(o.rpId ?? this.rpId), head, attested ?? new Uint8Array());
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Uint8Array {
    return utf8.encode(
      JSON.stringify({ type: o.type ?? type, challenge: o.challenge ?? challenge, origin: o.origin ?? this.origin, crossOrigin: false }),
    );
  }
}

// ---------------------------------------------------------------- native device keys

/** The UTF-8 string a device key signs. */
export function devicePayload(purpose: "enroll" | "unlock" | "sign_in", deviceId: string, challenge: string): string {
  return `edge-phone-auth:v1:${purpose}:${deviceId}:${challenge}`;
}

/** A native app's hardware-backed key, as React Native biometrics libraries expose it. */
export class SoftDeviceKey {
  private constructor(
    /** The app's device id. */
    readonly deviceId: string,
    readonly algorithm: "ES256" | "RS256",
    private readonly keys: CryptoKeyPair,
  ) {}

  /** ES256: P-256. RS256: RSASSA-PKCS1-v1_5, SHA-256, 2048-bit, e = 65537. deviceId defaults to 16 random bytes, base64url. */
  static async create(alg: "ES256" | "RS256", deviceId: string = toBase64Url(randomBytes(16))): Promise<SoftDeviceKey> {
    const params =
      alg === "ES256"
        ? { name: "ECDSA", namedCurve: "P-256" }
        : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    return new SoftDeviceKey(deviceId, alg, asKeyPair(await crypto.subtle.generateKey(params, true, ["sign", "verify"])));
  }

  /** Standard base64 of the SubjectPublicKeyInfo DER. */
  async publicKeySpki(): Promise<string> {
    return toBase64(await exportBytes("spki", this.keys.publicKey));
  }

  /** RS256 only: standard base64 of the bare PKCS#1 RSAPublicKey (react-native-biometrics on iOS). */
  async publicKeyPkcs1(): Promise<string> {
    if (this.algorithm !== "RS256") throw new Error("PKCS#1 export is for RS256 keys only");
    const spki = AsnParser.parse(await exportBytes("spki", this.keys.publicKey), SubjectPublicKeyInfo);
    return toBase64(new Uint8Array(spki.subjectPublicKey));
  }

  /** Standard base64 signature over the message's UTF-8: ES256 DER-encoded, RS256 PKCS#1 v1.5. */
  async sign(message: string): Promise<string> {
    const raw = await this.rawSignature(message);
    return toBase64(this.algorithm === "ES256" ? ecdsaRawToDer(raw) : raw);
  }

  /** ES256 only: the raw 64-byte r‖s, standard base64 (for the DER-vs-raw negative test). */
  async signRaw(message: string): Promise<string> {
    if (this.algorithm !== "ES256") throw new Error("signRaw is for ES256 keys only");
    return toBase64(await this.rawSignature(message));
  }

  private async rawSignature(message: string): Promise<Uint8Array> {
    const algorithm = this.algorithm === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
    return new Uint8Array(await crypto.subtle.sign(algorithm, this.keys.privateKey, utf8.encode(message)));
  }
}
