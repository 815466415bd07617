import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoftAuthenticator } from "../support/soft-authenticator";
import {
  authenticationOptions,
  call,
  checkSession,
  enrolPasskey,
  json,
  newAuthenticator,
  registrationOptions,
  usePasskey,
} from "./biometric-helpers";
import { advanceClock, captureLogs, expectError, PROFILES, signIn, useProfile, type SignInResult } from "./helpers";

type Session = SignInResult & { phone: string };

afterEach(() => {
  vi.restoreAllMocks();
});

async function enrolled(alg: "ES256" | "EdDSA" = "ES256", flags?: { be?: boolean; bs?: boolean }): Promise<{ session: Session; authenticator: SoftAuthenticator }> {
  const session = await signIn();
  const authenticator = await newAuthenticator(alg, flags);
  await json(await enrolPasskey(session.token, authenticator));
  return { session, authenticator };
}

describe.each(PROFILES)("passkeys ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it.each(["ES256", "EdDSA"] as const)("registers a %s passkey, unlocks the session with it (old token refused) and signs in without a session", async (alg) => {
    const session = await signIn();
    const options = await registrationOptions(session.token);
    expect(options).toMatchObject({
      rp: { id: "auth.test" },
      attestation: "none",
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      excludeCredentials: [],
    });
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-8, -7, -257]);
    // The account name is the masked number (PASSKEY_USER_NAME=masked by default), never the user id.
    expect(options.user.name).toBe(`+91 ••••• •${session.phone.slice(-4)}`);
    expect(options.user.id).not.toContain(session.user.id);
    expect(atob(options.user.id.replace(/-/g, "+").replace(/_/g, "/")).length).toBe(32);

    const authenticator = await newAuthenticator(alg);
    const biometricData = await authenticator.register(options);
    const enabled = await json<{ biometricEnabled: boolean; credentialId: string }>(await call("/auth/enable-biometric", { body: { biometricData, name: "Laptop" }, token: session.token }));
    expect(enabled).toEqual({ biometricEnabled: true, credentialId: authenticator.credentialId });

    // Unlock: a new token for the same session; the old one is refused at once.
    const unlocked = await json<SignInResult>(await usePasskey(authenticator, session.token));
    expect(unlocked.user).toMatchObject({ id: session.user.id, biometricEnabled: true, isNewUser: false });
    await expectError(await checkSession(session.token), 401, "session_revoked");
    expect((await checkSession(unlocked.token)).status).toBe(200);

    // Sign-in without a session (discoverable credential): a new session for the same user.
    const options2 = await authenticationOptions();
    expect(options2.allowCredentials ?? []).toEqual([]);
    const signedIn = await json<SignInResult>(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(options2) } }));
    expect(signedIn.user.id).toBe(session.user.id);
    expect((await checkSession(signedIn.token)).status).toBe(200);
    expect((await checkSession(unlocked.token)).status).toBe(200);

    // The user's list shows it, never its key.
    const { credentials } = await json<{ credentials: Record<string, unknown>[] }>(await call("/auth/credentials", { token: signedIn.token }));
    expect(credentials).toEqual([expect.objectContaining({ id: authenticator.credentialId, type: "passkey", name: "Laptop", multiDevice: false, backedUp: false })]);
    expect(JSON.stringify(credentials)).not.toMatch(/publicKey|userHandle|counter/);
    expect(credentials[0]!.lastUsedAt).not.toBeNull();
  });

  it("unlock options list the user's passkeys; registration options exclude them", async () => {
    const { session, authenticator } = await enrolled();
    const options = await authenticationOptions(session.token);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.credentialId]);
    expect(options.userVerification).toBe("required");
    expect((await registrationOptions(session.token)).excludeCredentials?.map((c) => c.id)).toEqual([authenticator.credentialId]);
  });

  describe("BIO-02: refused ceremonies", () => {
    const registrationCases: [string, Parameters<SoftAuthenticator["register"]>[1]][] = [
      ["wrong origin", { origin: "https://evil.test" }],
      ["wrong RP ID hash", { rpId: "evil.test" }],
      ["wrong ceremony type", { type: "webauthn.get" }],
      ["UP=0", { flags: { up: false } }],
      ["UV=0", { flags: { uv: false } }],
      ["BS=1 with BE=0", { flags: { be: false, bs: true } }],
    ];
    it.each(registrationCases)("BIO-02: registration with %s is refused and stores nothing", async (_name, overrides) => {
      const session = await signIn();
      const authenticator = await newAuthenticator();
      await expectError(await enrolPasskey(session.token, authenticator, overrides), 400, "credential_invalid");
      expect(await json<{ credentials: unknown[] }>(await call("/auth/credentials", { token: session.token }))).toEqual({ credentials: [] });
      expect((await json<{ user: { biometricEnabled: boolean } }>(await checkSession(session.token))).user.biometricEnabled).toBe(false);
    });

    const assertionCases: [string, Parameters<SoftAuthenticator["assert"]>[1]][] = [
      ["wrong origin", { origin: "https://evil.test" }],
      ["wrong RP ID hash", { rpId: "evil.test" }],
      ["wrong ceremony type", { type: "webauthn.create" }],
      ["UP=0", { flags: { up: false } }],
      ["UV=0", { flags: { uv: false } }],
      ["BS=1 with BE=0", { flags: { be: false, bs: true } }],
    ];
    it.each(assertionCases)("BIO-02: an assertion with %s neither unlocks nor signs in", async (_name, overrides) => {
      const { session, authenticator } = await enrolled();
      await expectError(await usePasskey(authenticator, session.token, overrides), 401, "biometric_failed");
      await expectError(await usePasskey(authenticator, undefined, overrides), 401, "biometric_failed");
      // The session was not rotated by the failed unlock.
      expect((await checkSession(session.token)).status).toBe(200);
    });

    it("BIO-02: a BE flag that differs from the one stored at registration is refused", async () => {
      const { session, authenticator } = await enrolled("ES256", { be: true, bs: true });
      await expectError(await usePasskey(authenticator, session.token, { flags: { be: false, bs: false } }), 401, "biometric_failed");
      expect((await usePasskey(authenticator, session.token)).status).toBe(200);
    });

    it("BIO-02: an origin from ANDROID_APPS is accepted; the log names why another was refused", async () => {
      const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, "0").toUpperCase()).join(":");
      const settings = { ANDROID_APPS: `com.example.app:${fingerprint}` };
      const apkOrigin = `android:apk-key-hash:${btoa(String.fromCharCode(...fingerprint.split(":").map((h) => parseInt(h, 16)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
      const session = await signIn();
      const authenticator = await newAuthenticator("ES256", undefined, { origin: apkOrigin });
      await json(await enrolPasskey(session.token, authenticator, undefined, { settings }));
      expect((await usePasskey(authenticator, session.token, undefined, { settings })).status).toBe(200);
      const lines = captureLogs();
      await expectError(await usePasskey(authenticator, undefined, { origin: "android:apk-key-hash:AAAA" }, { settings }), 401, "biometric_failed");
      const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === "biometric.failed");
      expect(failed).toMatchObject({ outcome: "denied", credentialKind: "passkey" });
      expect(String(failed!.reason)).toMatch(/origin/i);
    });
  });

  describe("BIO-01: challenges", () => {
    it("BIO-01: challenges are 32 random bytes and a replayed assertion is refused", async () => {
      const { authenticator } = await enrolled();
      const options = await authenticationOptions();
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await authenticationOptions()).challenge).not.toBe(options.challenge);
      const assertion = await authenticator.assert(options);
      expect((await call("/auth/verify-biometric", { body: { assertion } })).status).toBe(200);
      await expectError(await call("/auth/verify-biometric", { body: { assertion } }), 400, "challenge_invalid");
    });

    it("BIO-01: a challenge older than 5 minutes is refused", async () => {
      const { authenticator } = await enrolled();
      const options = await authenticationOptions();
      const assertion = await authenticator.assert(options);
      advanceClock(301_000);
      await expectError(await call("/auth/verify-biometric", { body: { assertion } }), 400, "challenge_invalid");
    });

    it("BIO-01: a challenge from another ceremony is refused (sign-in options used to unlock, registration options used to sign in)", async () => {
      const { session, authenticator } = await enrolled();
      const signInOptions = await authenticationOptions();
      await expectError(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(signInOptions) }, token: session.token }), 400, "challenge_invalid");
      const other = await signIn();
      const unlockOptions = await authenticationOptions(other.token);
      await expectError(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(unlockOptions) }, token: session.token }), 400, "challenge_invalid");
      const registration = await registrationOptions(session.token);
      const asRequest = { challenge: registration.challenge, rpId: "auth.test", allowCredentials: [], userVerification: "required" as const };
      await expectError(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(asRequest) } }), 400, "challenge_invalid");
    });
  });

  describe("BIO-03: credential ids and user handles", () => {
    it("BIO-03: a credential id registered to one user is refused for another (409) and for the same user again", async () => {
      const { session, authenticator } = await enrolled();
      const other = await signIn();
      await expectError(await enrolPasskey(other.token, authenticator), 409, "credential_exists");
      await expectError(await enrolPasskey(session.token, authenticator), 409, "credential_exists");
      const signedIn = await json<SignInResult>(await usePasskey(authenticator));
      expect(signedIn.user.id).toBe(session.user.id);
    });

    it("BIO-03: a sign-in whose userHandle does not match the credential's user is refused", async () => {
      const { authenticator } = await enrolled();
      const other = await enrolled();
      await expectError(await usePasskey(authenticator, undefined, { userHandle: other.authenticator.userHandle }), 401, "biometric_failed");
      await expectError(await usePasskey(authenticator, undefined, { userHandle: null }), 401, "biometric_failed");
      expect((await usePasskey(authenticator)).status).toBe(200);
    });

    it("BIO-03: one user's passkey cannot unlock another user's session", async () => {
      const { authenticator } = await enrolled();
      const other = await enrolled();
      const options = await authenticationOptions(other.session.token);
      await expectError(await call("/auth/verify-biometric", { body: { assertion: await authenticator.assert(options) }, token: other.session.token }), 401, "biometric_failed");
    });

    it("one WebAuthn user handle per user, reused for every passkey", async () => {
      const session = await signIn();
      const [a, b] = [await registrationOptions(session.token), await registrationOptions(session.token)];
      expect(a.user.id).toBe(b.user.id);
      expect((await registrationOptions((await signIn()).token)).user.id).not.toBe(a.user.id);
    });
  });

  describe("BIO-04: sign counter", () => {
    it("BIO-04: a counter that does not go up is refused when either is non-zero", async () => {
      const { session, authenticator } = await enrolled();
      expect((await usePasskey(authenticator)).status).toBe(200); // stored counter now 1
      await expectError(await usePasskey(authenticator, undefined, { counter: 1 }), 401, "biometric_failed");
      await expectError(await usePasskey(authenticator, undefined, { counter: 0 }), 401, "biometric_failed");
      expect((await usePasskey(authenticator, session.token, { counter: 5 })).status).toBe(200);
    });

    it("BIO-04: an authenticator that keeps no counter (always 0) keeps working", async () => {
      const session = await signIn();
      const authenticator = await newAuthenticator("EdDSA", undefined, { counter: "none" });
      await json(await enrolPasskey(session.token, authenticator));
      expect((await usePasskey(authenticator)).status).toBe(200);
      expect((await usePasskey(authenticator)).status).toBe(200);
    });

    it("BIO-04: of two concurrent assertions carrying the same counter, at most one gets through", async () => {
      const { authenticator } = await enrolled();
      for (let round = 0; round < 3; round++) {
        const counter = 10 + round * 10;
        const [o1, o2] = await Promise.all([authenticationOptions(), authenticationOptions()]);
        const [a1, a2] = await Promise.all([authenticator.assert(o1, { counter }), authenticator.assert(o2, { counter })]);
        const results = await Promise.all([a1, a2].map((assertion) => call("/auth/verify-biometric", { body: { assertion } })));
        expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      }
    });
  });

  describe("recent authentication and removal", () => {
    it("registration options and enabling need a recent authentication (step_up_required), which a passkey unlock renews", async () => {
      const { session, authenticator } = await enrolled();
      advanceClock(601_000);
      await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token: session.token }), 401, "step_up_required");
      const unlocked = await json<SignInResult>(await usePasskey(authenticator, session.token));
      expect((await call("/auth/webauthn/registration-options", { method: "POST", token: unlocked.token })).status).toBe(200);
    });

    it("removing the last credential turns biometric login off; another user's id answers 404", async () => {
      const { session, authenticator } = await enrolled();
      const other = await signIn();
      const path = `/auth/credentials/${authenticator.credentialId}`;
      await expectError(await call(path, { method: "DELETE", token: other.token }), 404, "credential_not_found");
      expect(await json(await call(path, { method: "DELETE", token: session.token }))).toEqual({ removed: true, biometricEnabled: false });
      expect((await json<{ user: { biometricEnabled: boolean } }>(await checkSession(session.token))).user.biometricEnabled).toBe(false);
      await expectError(await call(path, { method: "DELETE", token: session.token }), 404, "credential_not_found");
      await expectError(await usePasskey(authenticator), 401, "biometric_failed");
    });
  });

  it("a bad bearer token on an optional-session route is refused, not treated as a sign-in", async () => {
    await expectError(await call("/auth/webauthn/authentication-options", { method: "POST", token: "not.a.token" }), 401, "unauthorized");
  });
});
