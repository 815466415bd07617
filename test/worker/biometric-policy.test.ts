import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { spendCeremonyBudget } from "../../src/domain/ceremony";
import { verifyDeviceKey } from "../../src/domain/device-keys";
import { verifyPasskey } from "../../src/domain/passkeys";
import { authenticate } from "../../src/domain/sessions";
import { DependencyError, ERROR_CODES } from "../../src/errors";
import { toAuthError } from "../../src/lib/http-error";
import { SoftDeviceKey, devicePayload } from "../support/soft-authenticator";
import {
  authenticationOptions,
  call,
  deviceChallenge,
  enrolDeviceKey,
  enrolPasskey,
  json,
  newAuthenticator,
  registrationOptions,
  usePasskey,
} from "./biometric-helpers";
import { advanceClock, expectError, PROFILES, services, signIn, uniqueIp, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

const rp = { id: "auth.test", name: "edge-phone-auth", origins: ["https://auth.test"], userName: "masked" as const };

describe.each(PROFILES)("biometric policies ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("BIO-01: a challenge for another step of the same user is refused (registration options used to unlock; an unlock challenge as an enrol proof)", async () => {
    const session = await signIn();
    const authenticator = await newAuthenticator();
    await json(await enrolPasskey(session.token, authenticator));
    const registration = await registrationOptions(session.token);
    const asRequest = { challenge: registration.challenge, rpId: "auth.test", allowCredentials: [], userVerification: "required" as const };
    await expectError(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(asRequest) }, token: session.token }), 400, "challenge_invalid");

    const key = await SoftDeviceKey.create("ES256");
    const unlockChallenge = await deviceChallenge(key.deviceId, "unlock", session.token);
    const proof = { challenge: unlockChallenge, signature: await key.sign(devicePayload("enroll", key.deviceId, unlockChallenge)) };
    const res = await call("/auth/enable-biometric", { body: { deviceKey: { deviceId: key.deviceId, publicKey: await key.publicKeySpki(), algorithm: "ES256" }, proof }, token: session.token });
    await expectError(res, 400, "challenge_invalid");
  });

  it("SES-07: enabling a passkey or device key and removing a credential need a recent authentication", async () => {
    const session = await signIn();
    const key = await SoftDeviceKey.create("ES256");
    const authenticator = await newAuthenticator();
    // Options and a device challenge fetched while recent; the clock then passes RECENT_AUTH_SECONDS.
    const options = await registrationOptions(session.token);
    const challenge = await deviceChallenge(key.deviceId, "enroll", session.token);
    await json(await enrolDeviceKey(session.token, await SoftDeviceKey.create("ES256")));
    advanceClock(601_000);
    await expectError(await call("/auth/enable-biometric", { body: { biometricData: await authenticator.register(options) }, token: session.token }), 401, "step_up_required");
    const proof = { challenge, signature: await key.sign(devicePayload("enroll", key.deviceId, challenge)) };
    await expectError(
      await call("/auth/enable-biometric", { body: { deviceKey: { deviceId: key.deviceId, publicKey: await key.publicKeySpki(), algorithm: "ES256" }, proof }, token: session.token }),
      401,
      "step_up_required",
    );
    const { credentials } = await json<{ credentials: { id: string }[] }>(await call("/auth/credentials", { token: session.token }));
    expect(credentials).toHaveLength(1);
    await expectError(await call(`/auth/credentials/${credentials[0]!.id}`, { method: "DELETE", token: session.token }), 401, "step_up_required");
    expect((await json<{ credentials: unknown[] }>(await call("/auth/credentials", { token: session.token }))).credentials).toHaveLength(1);
  });

  it("ceremony budget: without a session per address, with one per user; each route counts; 429 with Retry-After", async () => {
    const settings = { IP_VERIFY_LIMIT: "2" };
    const key = await SoftDeviceKey.create("ES256");
    // Per address: 2 allowed, the third refused, whatever the route.
    const addr = uniqueIp();
    expect((await call("/auth/webauthn/authentication-options", { method: "POST", ip: addr, settings })).status).toBe(200);
    expect((await call("/auth/device-challenge", { body: { deviceId: key.deviceId, purpose: "sign_in" }, ip: addr, settings })).status).toBe(200);
    const refused = await call("/auth/verify-biometric", { body: { deviceSignature: { deviceId: key.deviceId, challenge: "A".repeat(43), signature: "AAAA" } }, ip: addr, settings });
    await expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Per user: a token does not escape by changing address.
    const session = await signIn();
    expect((await call("/auth/webauthn/registration-options", { method: "POST", token: session.token, settings })).status).toBe(200);
    expect((await call("/auth/device-challenge", { body: { deviceId: key.deviceId, purpose: "enroll" }, token: session.token, settings })).status).toBe(200);
    await expectError(await call("/auth/webauthn/authentication-options", { method: "POST", token: session.token, settings }), 429, "rate_limited");
    // ...and another user is not affected.
    expect((await call("/auth/webauthn/authentication-options", { method: "POST", token: (await signIn()).token, settings })).status).toBe(200);
  });

  it("SEND-06: the ceremony budget fails closed when its limiter does not answer", async () => {
    const deps = await services({ ipLimiter: { hit: () => Promise.reject(new DependencyError("rate-limiter")), refund: () => Promise.resolve(), reset: () => Promise.resolve() } });
    const err = await spendCeremonyBudget(deps, null, uniqueIp()).catch((e: unknown) => e);
    expect(toAuthError(err)).toMatchObject({ status: 503, code: "service_unavailable" });
  });

  it("failure responses carry only the code's fixed message, never the internal reason", async () => {
    const session = await signIn();
    const authenticator = await newAuthenticator();
    await json(await enrolPasskey(session.token, authenticator));
    expect((await usePasskey(authenticator)).status).toBe(200); // the stored counter is now 1
    for (const res of [await usePasskey(authenticator, undefined, { origin: "https://evil.test" }), await usePasskey(authenticator, undefined, { counter: 1 })]) {
      const body = await expectError(res, 401, "biometric_failed");
      expect(body.error.message).toBe(ERROR_CODES.biometric_failed.message);
      expect(JSON.stringify(body)).not.toMatch(/origin|counter|challenge_|evil/i);
      expect(JSON.stringify(body)).not.toContain(authenticator.credentialId);
      expect(JSON.stringify(body)).not.toContain(session.user.id);
    }
    const bad = await expectError(await enrolPasskey(session.token, await newAuthenticator(), { rpId: "evil.test" }), 400, "credential_invalid");
    expect(bad.error.message).toBe(ERROR_CODES.credential_invalid.message);
  });

  it("BE and BS are stored apart: a synced-capable passkey not yet backed up lists multiDevice true, backedUp false", async () => {
    const session = await signIn();
    const authenticator = await newAuthenticator("ES256", { be: true, bs: false });
    await json(await enrolPasskey(session.token, authenticator));
    const { credentials } = await json<{ credentials: Record<string, unknown>[] }>(await call("/auth/credentials", { token: session.token }));
    expect(credentials[0]).toMatchObject({ multiDevice: true, backedUp: false });
    expect((await usePasskey(authenticator, session.token)).status).toBe(200);
  });

  it("in production only the configured origins count: the request's own origin is refused, and http:// origins are a configuration error", async () => {
    const session = await signIn();
    const production = { ENVIRONMENT: "production", SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), TWILIO_AUTH_TOKEN: "t", TWILIO_FROM: "+15005550006", WEBAUTHN_RP_ID: "auth.test", WEBAUTHN_ORIGINS: "https://app.auth.test" };
    const fromOwnOrigin = await newAuthenticator();
    await expectError(await enrolPasskey(session.token, fromOwnOrigin, undefined, { settings: production }), 400, "credential_invalid");
    const fromApp = await newAuthenticator("ES256", undefined, { origin: "https://app.auth.test" });
    await json(await enrolPasskey(session.token, fromApp, undefined, { settings: production }));
    await expectError(await call("/readyz", { settings: { ...production, WEBAUTHN_ORIGINS: "http://app.auth.test" } }), 503, "service_misconfigured");
  });

  it("at most 20 credentials per user (409 credential_limit); re-enrolling one of the user's devices still works", async () => {
    const session = await signIn();
    const keys: SoftDeviceKey[] = [];
    for (let i = 0; i < 20; i++) {
      const key = await SoftDeviceKey.create("ES256");
      await json(await enrolDeviceKey(session.token, key));
      keys.push(key);
    }
    await expectError(await enrolDeviceKey(session.token, await SoftDeviceKey.create("ES256")), 409, "credential_limit");
    await expectError(await enrolPasskey(session.token, await newAuthenticator()), 409, "credential_limit");
    await json(await enrolDeviceKey(session.token, await SoftDeviceKey.create("RS256", keys[0]!.deviceId)));
  });

  it("BIO-04: a use the store does not record (its counter moved meanwhile, or the credential was removed) signs nobody in", async () => {
    const session = await signIn();
    const authenticator = await newAuthenticator();
    await json(await enrolPasskey(session.token, authenticator));
    const key = await SoftDeviceKey.create("ES256");
    await json(await enrolDeviceKey(session.token, key));
    const base = await services();
    const deps = await services({ credentials: { ...base.credentials, get: (id) => base.credentials.get(id), recordUse: () => Promise.resolve(false) } });
    const assertion = await authenticator.assert(await authenticationOptions());
    const passkey = await verifyPasskey(deps, null, rp, assertion as AuthenticationResponseJSON, { userAgent: null, country: null }).catch((e: unknown) => e);
    expect(toAuthError(passkey).code).toBe("biometric_failed");
    const challenge = await deviceChallenge(key.deviceId, "sign_in");
    const signature = await key.sign(devicePayload("sign_in", key.deviceId, challenge));
    const device = await verifyDeviceKey(deps, null, { deviceId: key.deviceId, challenge, signature }, { userAgent: null, country: null }).catch((e: unknown) => e);
    expect(toAuthError(device).code).toBe("biometric_failed");
    // The session the test signed in with is untouched.
    expect((await authenticate(deps, `Bearer ${session.token}`)).user.id).toBe(session.user.id);
  });
});
