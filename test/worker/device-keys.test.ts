import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoftDeviceKey, devicePayload } from "../support/soft-authenticator";
import { checkSession, deviceChallenge, enrolDeviceKey, json, useDeviceKey, call } from "./biometric-helpers";
import { captureLogs, expectError, PROFILES, signIn, useProfile, type SignInResult } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

async function enrolled(alg: "ES256" | "RS256" = "ES256"): Promise<{ token: string; userId: string; key: SoftDeviceKey }> {
  const session = await signIn();
  const key = await SoftDeviceKey.create(alg);
  expect(await json(await enrolDeviceKey(session.token, key))).toEqual({ biometricEnabled: true, credentialId: `device:${key.deviceId}` });
  return { token: session.token, userId: session.user.id, key };
}

/** Sends a device signature for a challenge the caller already holds. */
function sendSignature(deviceId: string, challenge: string, signature: string, token?: string): Promise<Response> {
  return call("/auth/verify-biometric", { body: { deviceSignature: { deviceId, challenge, signature } }, ...(token ? { token } : {}) });
}

describe.each(PROFILES)("device keys ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it.each(["ES256", "RS256"] as const)("BIO-05: a %s device key enrols with a proof, unlocks the session (old token refused) and signs in", async (alg) => {
    const { token, userId, key } = await enrolled(alg);
    const unlocked = await json<SignInResult>(await useDeviceKey(key, token));
    expect(unlocked.user).toMatchObject({ id: userId, biometricEnabled: true });
    await expectError(await checkSession(token), 401, "session_revoked");
    const signedIn = await json<SignInResult>(await useDeviceKey(key));
    expect(signedIn.user.id).toBe(userId);
    expect((await checkSession(signedIn.token)).status).toBe(200);
    const { credentials } = await json<{ credentials: Record<string, unknown>[] }>(await call("/auth/credentials", { token: signedIn.token }));
    expect(credentials).toEqual([expect.objectContaining({ id: `device:${key.deviceId}`, type: "device_key", platform: "android", multiDevice: false })]);
    expect(JSON.stringify(credentials)).not.toContain(await key.publicKeySpki());
  });

  it("BIO-05: a bare PKCS#1 RSA key (one library's iOS export) is accepted, wrapped, and verifies", async () => {
    const session = await signIn();
    const key = await SoftDeviceKey.create("RS256");
    await json(await enrolDeviceKey(session.token, key, await key.publicKeyPkcs1()));
    expect((await useDeviceKey(key)).status).toBe(200);
  });

  it("BIO-05: keys exported with line breaks (Android Base64.DEFAULT) and signatures in base64url are accepted", async () => {
    const session = await signIn();
    const key = await SoftDeviceKey.create("ES256");
    const wrapped = (await key.publicKeySpki()).replace(/(.{76})/g, "$1\n");
    await json(await enrolDeviceKey(session.token, key, wrapped));
    const challenge = await deviceChallenge(key.deviceId, "sign_in");
    const signature = (await key.sign(devicePayload("sign_in", key.deviceId, challenge))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect((await sendSignature(key.deviceId, challenge, signature)).status).toBe(200);
  });

  it("BIO-05: an ES256 signature in raw r‖s form (not DER as the platforms return it) is refused", async () => {
    const { key } = await enrolled("ES256");
    const challenge = await deviceChallenge(key.deviceId, "sign_in");
    const raw = await key.signRaw(devicePayload("sign_in", key.deviceId, challenge));
    await expectError(await sendSignature(key.deviceId, challenge, raw), 401, "biometric_failed");
  });

  it("BIO-05: enrolment without a valid proof stores nothing: a raw-form proof, another key's proof, a key of the wrong type", async () => {
    const session = await signIn();
    const key = await SoftDeviceKey.create("ES256");
    const other = await SoftDeviceKey.create("ES256", key.deviceId);
    const enrol = async (signer: SoftDeviceKey, raw: boolean, publicKey: string, algorithm: string): Promise<Response> => {
      const challenge = await deviceChallenge(key.deviceId, "enroll", session.token);
      const payload = devicePayload("enroll", key.deviceId, challenge);
      const signature = raw ? await signer.signRaw(payload) : await signer.sign(payload);
      return call("/auth/enable-biometric", { body: { deviceKey: { deviceId: key.deviceId, publicKey, algorithm }, proof: { challenge, signature } }, token: session.token });
    };
    const spki = await key.publicKeySpki();
    await expectError(await enrol(key, true, spki, "ES256"), 400, "credential_invalid");
    await expectError(await enrol(other, false, spki, "ES256"), 400, "credential_invalid");
    await expectError(await enrol(key, false, spki, "RS256"), 400, "credential_invalid");
    const rsa = await SoftDeviceKey.create("RS256", key.deviceId);
    await expectError(await enrol(key, false, await rsa.publicKeySpki(), "ES256"), 400, "credential_invalid");
    expect(await json(await call("/auth/credentials", { token: session.token }))).toEqual({ credentials: [] });
  });

  it("BIO-05: an RSA key shorter than 2048 bits is refused at enrolment, even with a valid proof", async () => {
    const session = await signIn();
    const deviceId = "short-rsa-key-01";
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const challenge = await deviceChallenge(deviceId, "enroll", session.token);
    const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, new TextEncoder().encode(devicePayload("enroll", deviceId, challenge))));
    const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
    const res = await call("/auth/enable-biometric", {
      body: { deviceKey: { deviceId, publicKey: b64(spki), algorithm: "RS256" }, proof: { challenge, signature: b64(signature) } },
      token: session.token,
    });
    await expectError(res, 400, "credential_invalid");
  });

  it("BIO-05: a signature over another challenge, purpose or device is refused", async () => {
    const { token, key } = await enrolled();
    const second = await SoftDeviceKey.create("ES256");
    await json(await enrolDeviceKey(token, second));
    // Another purpose: an unlock-style payload sent for a sign-in challenge.
    let challenge = await deviceChallenge(key.deviceId, "sign_in");
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("unlock", key.deviceId, challenge))), 401, "biometric_failed");
    // Another challenge: signed over a different (older) one.
    const old = await deviceChallenge(key.deviceId, "sign_in");
    challenge = await deviceChallenge(key.deviceId, "sign_in");
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("sign_in", key.deviceId, old))), 401, "biometric_failed");
    // Another device: the payload names the second device.
    challenge = await deviceChallenge(key.deviceId, "sign_in");
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("sign_in", second.deviceId, challenge))), 401, "biometric_failed");
    // A challenge issued for the second device, answered for the first.
    challenge = await deviceChallenge(second.deviceId, "sign_in");
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("sign_in", key.deviceId, challenge))), 400, "challenge_invalid");
    // An enrol challenge used to sign in.
    challenge = await deviceChallenge(key.deviceId, "enroll", (await signIn()).token);
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("sign_in", key.deviceId, challenge))), 400, "challenge_invalid");
  });

  it("BIO-01: a device challenge works once, even after a failed attempt", async () => {
    const { key } = await enrolled();
    const challenge = await deviceChallenge(key.deviceId, "sign_in");
    const good = await key.sign(devicePayload("sign_in", key.deviceId, challenge));
    expect((await sendSignature(key.deviceId, challenge, good)).status).toBe(200);
    await expectError(await sendSignature(key.deviceId, challenge, good), 400, "challenge_invalid");
    const next = await deviceChallenge(key.deviceId, "sign_in");
    await expectError(await sendSignature(key.deviceId, next, await key.signRaw("x")), 401, "biometric_failed");
    await expectError(await sendSignature(key.deviceId, next, await key.sign(devicePayload("sign_in", key.deviceId, next))), 400, "challenge_invalid");
  });

  it("enrol and unlock challenges need the bearer token; a sign-in challenge for an unknown device is answered alike", async () => {
    await expectError(await call("/auth/device-challenge", { body: { deviceId: "abcdefgh12", purpose: "enroll" } }), 401, "unauthorized");
    await expectError(await call("/auth/device-challenge", { body: { deviceId: "abcdefgh12", purpose: "unlock" } }), 401, "unauthorized");
    const unknown = await call("/auth/device-challenge", { body: { deviceId: "never-enrolled-123", purpose: "sign_in" } });
    expect(unknown.status).toBe(200);
  });

  it("BIO-03: a device id enrolled by another user is refused (409); the same user re-enrolling replaces the key", async () => {
    const { token, userId, key } = await enrolled();
    const other = await signIn();
    await expectError(await enrolDeviceKey(other.token, key), 409, "credential_exists");
    const renewed = await SoftDeviceKey.create("RS256", key.deviceId);
    await json(await enrolDeviceKey(token, renewed));
    await expectError(await useDeviceKey(key), 401, "biometric_failed");
    expect((await json<SignInResult>(await useDeviceKey(renewed))).user.id).toBe(userId);
  });

  it("a device key cannot unlock another user's session", async () => {
    const { key } = await enrolled();
    const other = await enrolled();
    const challenge = await deviceChallenge(key.deviceId, "unlock", other.token);
    await expectError(await sendSignature(key.deviceId, challenge, await key.sign(devicePayload("unlock", key.deviceId, challenge)), other.token), 401, "biometric_failed");
  });

  it("LOG-01: biometric events carry the reason and no key, signature or challenge", async () => {
    const lines = captureLogs();
    const { key } = await enrolled();
    const challenge = await deviceChallenge(key.deviceId, "sign_in");
    const bad = await key.signRaw(devicePayload("sign_in", key.deviceId, challenge));
    await sendSignature(key.deviceId, challenge, bad);
    const events = lines.filter((l) => l.includes('"auth_event"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ event: "biometric.enrolled", credentialKind: "device_key" }));
    expect(events).toContainEqual(expect.objectContaining({ event: "biometric.failed", reason: "signature_invalid", credentialKind: "device_key" }));
    const all = lines.join("\n");
    for (const secret of [challenge, bad, await key.publicKeySpki()]) expect(all).not.toContain(secret);
  });
});
