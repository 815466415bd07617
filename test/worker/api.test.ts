import { beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { decryptPhone, phoneHash } from "../../src/lib/keys";
import { call, currentProfile, expectError, latestCode, PROFILES, services, signIn, testEnv, useProfile, twilioSettings, uniqueIp, uniquePhone } from "./helpers";

describe.each(PROFILES)("sign-in API ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("walks the README sign-in: request, read the code, verify, check, logout", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const sent = await call("/auth/request-otp", { body: { phone }, ip });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ status: "sent", expiresIn: 300, resendAfter: 60 });

    const outbox = (await (await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json()) as {
      messages: { to: string; body: string; sentAt: string }[];
    };
    expect(outbox.messages).toHaveLength(1);
    expect(outbox.messages[0]).toMatchObject({ to: phone });
    expect(new Date(outbox.messages[0]!.sentAt).toISOString()).toBe(outbox.messages[0]!.sentAt);
    const code = await latestCode(phone);

    const wrong = await call("/auth/verify-otp", { body: { phone, otp: code === "999999" ? "000000" : "999999" }, ip });
    const wrongBody = await expectError(wrong, 400, "otp_invalid");
    expect(wrongBody.error.attemptsRemaining).toBe(2);

    const verified = await call("/auth/verify-otp", { body: { phone, otp: code }, ip });
    expect(verified.status).toBe(200);
    expect(verified.headers.get("cache-control")).toBe("no-store");
    const body = (await verified.json()) as { token: string; expiresAt: string; user: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(["deviceToken", "expiresAt", "token", "user"]);
    expect(body.user).toEqual({ id: expect.any(String), isNewUser: true, biometricEnabled: false, pinEnabled: false });
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86400_000);

    const checked = await call("/auth/check-session", { token: body.token });
    expect(checked.status).toBe(200);
    expect(await checked.json()).toEqual({
      valid: true,
      user: { id: body.user.id, isNewUser: false, biometricEnabled: false, pinEnabled: false },
      session: { id: expect.any(String), createdAt: expect.any(String), lastAuthAt: expect.any(String) },
      stepUp: { required: false, methods: [] },
    });

    const out = await call("/auth/logout", { method: "POST", token: body.token });
    expect(out.status).toBe(204);
    await expectError(await call("/auth/check-session", { token: body.token }), 401, "session_revoked");
  });

  it("a returning phone signs in to the same user with isNewUser false", async () => {
    const clock = { t: Date.now() };
    const deps = await services({ now: () => clock.t });
    const phone = uniquePhone();
    const client = { ip: uniqueIp(), userAgent: null, country: null };
    await requestOtp(deps, { phone }, client);
    const first = await verifyOtp(deps, { phone, otp: await latestCode(phone) }, client);
    clock.t += 61_000;
    await requestOtp(deps, { phone }, client);
    const second = await verifyOtp(deps, { phone, otp: await latestCode(phone) }, client);
    expect(first.isNewUser).toBe(true);
    expect(second.isNewUser).toBe(false);
    expect(second.user.id).toBe(first.user.id);
    expect(second.session.id).not.toBe(first.session.id);
  });

  it("missing bearer is 401 unauthorized; wrong method and unknown paths are JSON errors", async () => {
    await expectError(await call("/auth/check-session"), 401, "unauthorized");
    await expectError(await call("/auth/logout", { method: "POST" }), 401, "unauthorized");
    await expectError(await call("/nope"), 404, "not_found");
    const wrongMethod = await call("/auth/request-otp");
    await expectError(wrongMethod, 405, "method_not_allowed");
    expect(wrongMethod.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("healthz, readyz, jwks and openapi.json are served", async () => {
    expect(await (await call("/healthz")).json()).toEqual({ status: "ok" });
    expect(await (await call("/readyz")).json()).toEqual({ status: "ready", openErasures: expect.any(Number) as number });
    const doc = (await (await call("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/auth/request-otp", "/auth/verify-otp", "/auth/check-session", "/auth/logout", "/.well-known/jwks.json", "/readyz"]) {
      expect(doc.paths).toHaveProperty(path);
    }
    expect(Object.keys(doc.paths["/auth/verify-otp"]!.post!.responses)).toEqual(expect.arrayContaining(["200", "400", "429", "503"]));
    expect(doc.components.schemas).toHaveProperty("Error");
    expect(doc.components.schemas).toHaveProperty("VerifyOtpBody");
  });

  it("readyz is 503 when storage does not answer", async () => {
    const down = { get: () => new Proxy({}, { get: () => () => Promise.reject(new Error("down")) }), idFromName: () => ({}) };
    const settings = currentProfile().name === "upstash" ? { UPSTASH_REDIS_REST_URL: testEnv.BLACKHOLE_URL, STORAGE_TIMEOUT_MS: "200" } : { PHONE_LEDGER: down };
    await expectError(await call("/readyz", { settings }), 503, "service_unavailable");
  });

  it("the dev outbox accepts the phone with a literal + in the query (as typed in a browser or curl)", async () => {
    const phone = uniquePhone();
    await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() });
    const res = await call(`/dev/sms-outbox?phone=${phone}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it("the dev outbox is 404 with any provider other than console", async () => {
    await expectError(await call(`/dev/sms-outbox?phone=${encodeURIComponent(uniquePhone())}`, { settings: twilioSettings() }), 404, "not_found");
  });
});

describe("data at rest", () => {
  it("DATA-01: phone numbers are stored AES-GCM encrypted and looked up by keyed hash", async () => {
    const { phone, user } = await signIn();
    const row = await testEnv.DB.prepare("SELECT * FROM users WHERE id = ?").bind(user.id).first<Record<string, unknown>>();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(phone.slice(1));
    expect(stored).not.toContain(phone.slice(3));
    const deps = await services();
    expect(row!.phone_hash).toBe(await phoneHash(deps.keys, phone));
    // The blind index is keyed: another PHONE_DATA_KEY gives another hash.
    const other = await services({}, { PHONE_DATA_KEY: "c".repeat(43) });
    expect(row!.phone_hash).not.toBe(await phoneHash(other.keys, phone));
    const ciphertext = String(row!.phone_ciphertext);
    // Without PHONE_DATA_KEYS the key is PHONE_DATA_KEY's, id `pdk`.
    expect(ciphertext).toMatch(/^v1\.pdk\.[A-Za-z0-9_-]+$/);
    await expect(decryptPhone(other.keys, ciphertext)).rejects.toThrow();
    expect(await decryptPhone(deps.keys, ciphertext)).toBe(phone);
  });
});

describe("configuration", () => {
  it("refuses the console provider in production with 503 service_misconfigured, while healthz stays up", async () => {
    const settings = { ENVIRONMENT: "production" };
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings }), 503, "service_misconfigured");
    expect((await call("/healthz", { settings })).status).toBe(200);
    await expectError(await call("/readyz", { settings }), 503, "service_misconfigured");
  });

  it("missing secrets, a malformed signing key and out-of-range numbers are refused", async () => {
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings: { OTP_PEPPER: undefined } }), 503, "service_misconfigured");
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings: { JWT_PRIVATE_JWK: "{}" } }), 503, "service_misconfigured");
    for (const bad of ["eyJrdHkiOiJPS1AifQ", '{"kty":"OKP","crv":"Ed25519","kid":"k","x":"AAAA","d":"not-a-key"}']) {
      await expectError(await call("/.well-known/jwks.json", { settings: { JWT_PRIVATE_JWK: bad } }), 503, "service_misconfigured");
    }
    const base = { ...testEnv } as Record<string, unknown>;
    for (const [key, value] of [
      ["OTP_MAX_ATTEMPTS", "11"],
      ["OTP_TTL_SECONDS", "30"],
      ["OTP_LOCKOUT_SECONDS", "10"],
      ["OTP_PEPPER", "short"],
      ["SMS_PROVIDER", "carrier-pigeon"],
      ["SMS_TEMPLATE", "no code placeholder"],
    ]) {
      const result = parseConfig({ ...base, [key!]: value });
      expect(result.ok, key).toBe(false);
      if (!result.ok) {
        expect(result.problems.join(" ")).toContain(key!);
        expect(result.problems.join(" ")).not.toContain(String(base.OTP_PEPPER));
      }
    }
    const twilioMissing = parseConfig({ ...base, SMS_PROVIDER: "twilio" });
    expect(twilioMissing.ok).toBe(false);
    const ok = parseConfig(base);
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(Object.isFrozen(ok.config)).toBe(true);
      expect(Object.isFrozen(ok.config.otp)).toBe(true);
      expect(ok.config.otp).toEqual({
        ttlSeconds: 300,
        resendCooldownSeconds: 60,
        maxSendsPerHour: 3,
        maxAttempts: 3,
        lockoutSeconds: 900,
        failureWindowSeconds: 3600,
      });
    }
  });
});
