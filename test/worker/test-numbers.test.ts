import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config";
import { call, captureLogs, expectError, PROFILES, testEnv, twilioReceived, twilioSettings, uniqueIp, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A random Washington DC number for each test, with its fixed code. */
function testNumber(): { phone: string; code: string; settings: Record<string, string> } {
  const n = crypto.getRandomValues(new Uint32Array(1))[0]! % 8_000_000;
  const phone = `+1202${2_000_000 + n}`;
  const code = String(100000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 900000));
  // Through the Twilio provider (the local fake), so "never sent" is observable.
  return { phone, code, settings: { ...twilioSettings(), TEST_PHONE_NUMBERS: `+15005550006:111111,${phone}:${code}` } };
}

describe.each(PROFILES)("test phone numbers ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-08: a test number signs in with its fixed code and never reaches the provider; every use is logged as such", async () => {
    const logs = captureLogs();
    const { phone, code, settings } = testNumber();
    const before = (await twilioReceived(phone)).length;
    const ip = uniqueIp();
    const sent = await call("/auth/request-otp", { body: { phone }, ip, settings });
    expect(await sent.json()).toEqual({ status: "sent", expiresIn: 300, resendAfter: 60 });
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip, settings });
    expect(res.status).toBe(200);
    expect((await twilioReceived(phone)).length).toBe(before);
    const events = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.type === "auth_event" && String(e.event).startsWith("otp."));
    expect(events.map((e) => [e.event, e.testNumber, e.reason])).toEqual([
      ["otp.sent", true, "test_number"],
      ["otp.verified", true, undefined],
    ]);
    // An ordinary number on the same settings still gets a real SMS.
    const real = testNumber().phone;
    expect((await call("/auth/request-otp", { body: { phone: real }, ip: uniqueIp(), settings })).status).toBe(200);
    expect((await twilioReceived(real)).length).toBe(1);
  });

  it("FRAUD-08: test numbers obey the send limits and the attempt limits", async () => {
    const { phone, code, settings } = testNumber();
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings })).status).toBe(200);
    await expectError(await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings }), 429, "rate_limited");
    const wrong = code === "999999" ? "999998" : "999999";
    for (let i = 0; i < 3; i++) await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrong }, ip: uniqueIp(), settings }), 400, "otp_invalid");
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp(), settings }), 429, "too_many_attempts");
  });
});

describe("test phone numbers: configuration", () => {
  const base = { JWT_PRIVATE_JWK: testEnv.JWT_PRIVATE_JWK, OTP_PEPPER: testEnv.OTP_PEPPER, PHONE_DATA_KEY: testEnv.PHONE_DATA_KEY, PIN_PEPPER: testEnv.PIN_PEPPER, ...twilioSettings(), TWILIO_API_BASE: "https://api.twilio.com" };

  it("FRAUD-08: refused at start-up in production unless ALLOW_TEST_NUMBERS_IN_PRODUCTION=true", () => {
    const production = { ...base, ENVIRONMENT: "production", TEST_PHONE_NUMBERS: "+15005550006:123456" };
    const refused = parseConfig(production);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems.join(" ")).toMatch(/TEST_PHONE_NUMBERS: is refused when ENVIRONMENT=production unless ALLOW_TEST_NUMBERS_IN_PRODUCTION=true/);
    expect(parseConfig({ ...production, ALLOW_TEST_NUMBERS_IN_PRODUCTION: "true" }).ok).toBe(true);
    expect(parseConfig({ ...base, ENVIRONMENT: "production" }).ok).toBe(true);
    for (const bad of ["+15005550006", "+15005550006:12345", "15005550006:123456", "+15005550006:abcdef"]) {
      expect(parseConfig({ ...base, ENVIRONMENT: "development", TEST_PHONE_NUMBERS: bad }).ok).toBe(false);
    }
  });
});
