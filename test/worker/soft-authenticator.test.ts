import { decodeCBOR } from "@levischuck/tiny-cbor";
import { RSAPublicKey } from "@peculiar/asn1-rsa";
import { AsnParser } from "@peculiar/asn1-schema";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import {
  type CeremonyOverrides,
  type PasskeyAlg,
  SoftAuthenticator,
  SoftDeviceKey,
  devicePayload,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  fromBase64,
  sha256,
  toBase64Url,
} from "../support/soft-authenticator";

const rpID = "auth.example.com";
const origin = "https://auth.example.com";
const algs: PasskeyAlg[] = ["ES256", "EdDSA"];
const utf8 = new TextEncoder();

const registrationOptions = () => generateRegistrationOptions({ rpName: "Edge Phone Auth", rpID, userName: "+15550100" });

async function verifyRegistration(auth: SoftAuthenticator, o?: CeremonyOverrides) {
  const options = await registrationOptions();
  const response = await auth.register(options, o);
  return verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true });
}

/** A passkey registered with the real library, ready for assertions. */
async function registered(alg: PasskeyAlg, counter?: number | "none") {
  const auth = await SoftAuthenticator.create({ alg, origin, rpId: rpID, counter });
  const result = await verifyRegistration(auth);
  if (!result.verified) throw new Error("registration did not verify");
  return { auth, credential: { ...result.registrationInfo.credential } as WebAuthnCredential };
}

async function verifyAssertion(auth: SoftAuthenticator, credential: WebAuthnCredential, o?: CeremonyOverrides) {
  const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }] });
  const response = await auth.assert(options, o);
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification: true,
  });
}

const refusals: [string, CeremonyOverrides, RegExp][] = [
  ["UV=0", { flags: { uv: false } }, /User verification/],
  ["UP=0", { flags: { up: false } }, /User (presence was required|not present)/],
  ["BS=1 with BE=0", { flags: { be: false, bs: true } }, /Single-device credential indicated that it was backed up/],
  ["a wrong origin", { origin: "https://evil.example.com" }, /Unexpected (registration|authentication) response origin/],
  ["a wrong rpId", { rpId: "evil.example.com" }, /Unexpected RP ID hash/],
];

describe.each(algs)("SoftAuthenticator %s against @simplewebauthn/server", (alg) => {
  it("registers (UV required) with a real none attestation: CBOR, authData layout, COSE key", async () => {
    const auth = await SoftAuthenticator.create({ alg, origin, rpId: rpID, aaguid: "00112233-4455-6677-8899-aabbccddeeff" });
    const options = await registrationOptions();
    const response = await auth.register(options);
    const result = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true });
    expect(result.verified).toBe(true);
    if (!result.verified) return;
    const info = result.registrationInfo;
    expect(info.fmt).toBe("none");
    expect(info.credential.id).toBe(auth.credentialId);
    expect(info.credential.publicKey).toEqual(auth.cosePublicKey);
    expect(info.aaguid).toBe("00112233-4455-6677-8899-aabbccddeeff");
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe("singleDevice");
    expect(auth.userHandle).toBe(options.user.id);
    expect(fromBase64(auth.credentialId).length).toBeGreaterThanOrEqual(16);
    expect(fromBase64(auth.credentialId).length).toBeLessThanOrEqual(32);

    const attestation = decodeCBOR(fromBase64(response.response.attestationObject)) as Map<string, unknown>;
    expect([...attestation.keys()]).toEqual(["fmt", "attStmt", "authData"]);
    expect(attestation.get("fmt")).toBe("none");
    expect((attestation.get("attStmt") as Map<string, unknown>).size).toBe(0);
    const authData = attestation.get("authData") as Uint8Array;
    expect(toBase64Url(authData)).toBe(response.response.authenticatorData);
    expect(authData.subarray(0, 32)).toEqual(await sha256(rpID));
    expect(authData[32]).toBe(0x01 | 0x04 | 0x40);
    expect(authData.subarray(33, 37)).toEqual(new Uint8Array(4));
    const cose = decodeCBOR(auth.cosePublicKey) as Map<number, unknown>;
    expect(cose.get(3)).toBe(alg === "ES256" ? -7 : -8);
    expect(response.response.publicKeyAlgorithm).toBe(alg === "ES256" ? -7 : -8);
    const clientData: unknown = JSON.parse(new TextDecoder().decode(fromBase64(response.response.clientDataJSON)));
    expect(clientData).toEqual({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false });
  });

  it("assertions verify (UV required) with the counter rising by one each time, userHandle included", async () => {
    const { auth, credential } = await registered(alg);
    for (const expected of [1, 2, 3]) {
      const result = await verifyAssertion(auth, credential, {});
      expect(result.verified).toBe(true);
      expect(result.authenticationInfo.newCounter).toBe(expected);
      credential.counter = result.authenticationInfo.newCounter;
    }
    const options = await generateAuthenticationOptions({ rpID });
    const response = await auth.assert(options);
    expect(response.response.userHandle).toBe(auth.userHandle);
    const signature = fromBase64(response.response.signature);
    if (alg === "ES256") expect(signature[0]).toBe(0x30); // DER SEQUENCE, as real authenticators send
    else expect(signature.length).toBe(64);
    expect((await auth.assert(options, { userHandle: null })).response).not.toHaveProperty("userHandle");
  });

  it("counter 'none' always reports 0, which the library accepts; a replayed counter is refused", async () => {
    const none = await registered(alg, "none");
    for (let i = 0; i < 2; i++) expect((await verifyAssertion(none.auth, none.credential)).authenticationInfo.newCounter).toBe(0);
    const { auth, credential } = await registered(alg);
    credential.counter = (await verifyAssertion(auth, credential)).authenticationInfo.newCounter;
    await expect(verifyAssertion(auth, credential, { counter: 1 })).rejects.toThrow(/counter value 1 was lower than expected 1/);
  });

  it.each(refusals)("registration with %s is refused", async (_name, o, message) => {
    const auth = await SoftAuthenticator.create({ alg, origin, rpId: rpID });
    await expect(verifyRegistration(auth, o)).rejects.toThrow(message);
  });

  it.each(refusals)("an assertion with %s is refused", async (_name, o, message) => {
    const { auth, credential } = await registered(alg);
    await expect(verifyAssertion(auth, credential, o)).rejects.toThrow(message);
  });

  it("a wrong clientData type (the other ceremony) is refused both ways", async () => {
    const auth = await SoftAuthenticator.create({ alg, origin, rpId: rpID });
    await expect(verifyRegistration(auth, { type: "webauthn.get" })).rejects.toThrow(/Unexpected registration response type/);
    const { auth: passkey, credential } = await registered(alg);
    await expect(verifyAssertion(passkey, credential, { type: "webauthn.create" })).rejects.toThrow(/Unexpected authentication response type/);
  });

  it("a wrong challenge is refused and a signature by another key does not verify", async () => {
    const { auth, credential } = await registered(alg);
    await expect(verifyAssertion(auth, credential, { challenge: toBase64Url(new Uint8Array(32)) })).rejects.toThrow(/challenge/);
    const other = await SoftAuthenticator.create({ alg, origin, rpId: rpID });
    const result = await verifyAssertion(other, { ...credential, id: other.credentialId });
    expect(result.verified).toBe(false);
  });
});

describe("ECDSA signature encodings", () => {
  it("raw r‖s ↔ DER keeps leading zero bytes and high-bit padding right", () => {
    const r = new Uint8Array(32).fill(0x11);
    r[0] = 0;
    r[1] = 0;
    const s = new Uint8Array(32).fill(0xff);
    const raw = new Uint8Array([...r, ...s]);
    const der = ecdsaRawToDer(raw);
    // SEQUENCE { INTEGER (30 bytes, zeros stripped), INTEGER (33 bytes, 0x00 prefix) }
    expect([...der.subarray(0, 4)]).toEqual([0x30, 2 + 30 + 2 + 33, 0x02, 30]);
    expect([...der.subarray(34, 37)]).toEqual([0x02, 33, 0x00]);
    expect(ecdsaDerToRaw(der)).toEqual(raw);
  });
});

describe("SoftDeviceKey", () => {
  const challenge = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));

  it("devicePayload is the versioned, purpose-bound string", () => {
    expect(devicePayload("sign_in", "dev1", "abc")).toBe("edge-phone-auth:v1:sign_in:dev1:abc");
  });

  it("ES256: the DER signature verifies with WebCrypto only after DER→raw conversion (workerd quirk)", async () => {
    const key = await SoftDeviceKey.create("ES256", "device-1");
    expect(key.deviceId).toBe("device-1");
    const message = utf8.encode(devicePayload("unlock", key.deviceId, challenge));
    const publicKey = await crypto.subtle.importKey("spki", fromBase64(await key.publicKeySpki()), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const ecdsa = { name: "ECDSA", hash: "SHA-256" };
    const der = fromBase64(await key.sign(devicePayload("unlock", key.deviceId, challenge)));
    expect(der[0]).toBe(0x30);
    expect(await crypto.subtle.verify(ecdsa, publicKey, der, message)).toBe(false);
    expect(await crypto.subtle.verify(ecdsa, publicKey, ecdsaDerToRaw(der), message)).toBe(true);
    const raw = fromBase64(await key.signRaw(devicePayload("unlock", key.deviceId, challenge)));
    expect(raw.length).toBe(64);
    expect(await crypto.subtle.verify(ecdsa, publicKey, raw, message)).toBe(true);
    await expect(key.publicKeyPkcs1()).rejects.toThrow(/RS256/);
  });

  it("RS256: PKCS#1 v1.5 signature verifies over the SPKI; PKCS#1 export is the SPKI's bare inner key", async () => {
    const key = await SoftDeviceKey.create("RS256");
    const payload = devicePayload("enroll", key.deviceId, challenge);
    const spki = fromBase64(await key.publicKeySpki());
    const publicKey = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    const signature = fromBase64(await key.sign(payload));
    expect(signature.length).toBe(256);
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, utf8.encode(payload))).toBe(true);
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, utf8.encode(payload + "x"))).toBe(false);
    await expect(key.signRaw(payload)).rejects.toThrow(/ES256/);

    const pkcs1 = fromBase64(await key.publicKeyPkcs1());
    // SPKI = fixed 24-byte header (SEQUENCE, rsaEncryption AlgorithmIdentifier, BIT STRING, 0 unused bits) ‖ PKCS#1.
    expect(spki.length - pkcs1.length).toBe(24);
    expect(spki.subarray(24)).toEqual(pkcs1);
    expect(toHex(spki.subarray(0, 24))).toBe("30820122300d06092a864886f70d01010105000382010f00");
    expect(pkcs1[0]).toBe(0x30);
    const rsa = AsnParser.parse(pkcs1, RSAPublicKey);
    expect(new Uint8Array(rsa.modulus).length).toBe(257); // 0x00 ‖ 2048-bit modulus
    expect([...new Uint8Array(rsa.publicExponent)]).toEqual([1, 0, 1]);
  });
});

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
