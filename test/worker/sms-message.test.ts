import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config";
import { advanceClock, call, expectError, latestCode, PROFILES, signIn, testEnv, uniqueIp, uniquePhone, useProfile } from "./helpers";

const TEMPLATES = JSON.stringify({ hi: "{app} कोड {code} ({minutes} मिनट)", "pt-BR": "Seu código {app}: {code}", en: "Your {app} code: {code}" });
const settings = { SMS_TEMPLATES: TEMPLATES, SMS_APP_NAME: "Acme", SMS_ORIGIN_BOUND_DOMAIN: "app.example.com", ANDROID_SMS_HASH: "FA+9qCX9VSu" };

afterEach(() => {
  vi.restoreAllMocks(); // the clock moved by advanceClock
});

async function latestBody(phone: string): Promise<string> {
  const res = await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`);
  return ((await res.json()) as { messages: { body: string }[] }).messages[0]!.body;
}

describe.each(PROFILES)("the code message: language and autofill lines ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("the body's locale wins over Accept-Language; the message ends with the app hash and the origin-bound line, exactly", async () => {
    const phone = uniquePhone();
    const res = await call("/auth/request-otp", { body: { phone, locale: "pt-BR" }, headers: { "accept-language": "hi-IN, en;q=0.5" }, ip: uniqueIp(), settings });
    expect(res.status).toBe(200);
    const code = await latestCode(phone);
    expect(await latestBody(phone)).toBe(`Seu código Acme: ${code}\nFA+9qCX9VSu\n@app.example.com #${code}`);
  });

  it("without a locale, Accept-Language picks the template (language match: hi-IN → hi); none matching: SMS_TEMPLATE", async () => {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, headers: { "accept-language": "de;q=0.9, hi-IN;q=0.8" }, ip: uniqueIp(), settings: { SMS_TEMPLATES: TEMPLATES } })).status).toBe(200);
    expect(await latestBody(phone)).toBe(`edge-phone-auth कोड ${await latestCode(phone)} (5 मिनट)`);
    const other = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone: other }, headers: { "accept-language": "de" }, ip: uniqueIp(), settings: { SMS_TEMPLATES: TEMPLATES } })).status).toBe(200);
    expect(await latestBody(other)).toBe(`Your sign-in code is ${await latestCode(other)}. It expires in 5 minutes. Never share it.`);
  });

  it("a step-up code follows the account's own locale (PATCH /user) before the request's languages", async () => {
    const { token, phone } = await signIn();
    expect((await call("/user", { method: "PATCH", body: { locale: "hi" }, token })).status).toBe(200);
    advanceClock(61_000);
    const res = await call("/auth/step-up/request-otp", { method: "POST", token, headers: { "accept-language": "en" }, ip: uniqueIp(), settings: { SMS_TEMPLATES: TEMPLATES } });
    expect(res.status).toBe(200);
    expect(await latestBody(phone)).toBe(`edge-phone-auth कोड ${await latestCode(phone)} (5 मिनट)`);
  });

  it("a malformed locale is a 400 invalid_request, and nothing is sent", async () => {
    const phone = uniquePhone();
    await expectError(await call("/auth/request-otp", { body: { phone, locale: "not a tag!" }, ip: uniqueIp() }), 400, "invalid_request");
    const res = await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`);
    expect(((await res.json()) as { messages: unknown[] }).messages).toHaveLength(0);
  });
});

describe("message settings are validated with clear messages", () => {
  const problems = (extra: Record<string, string>): string => {
    const result = loadConfig({ ...testEnv, ...extra });
    return result.ok ? "" : result.problems.join("; ");
  };
  it("SMS_TEMPLATES must be a JSON object of BCP 47 tags to texts with {code}; the hash 11 characters; the domain a host name", () => {
    expect(problems({ SMS_TEMPLATES: "nope" })).toContain("SMS_TEMPLATES: must be a JSON object");
    expect(problems({ SMS_TEMPLATES: '{"hi":"no code here"}' })).toContain('the "hi" template must be a string containing {code}');
    expect(problems({ SMS_TEMPLATES: '{"!!":"{code}"}' })).toContain("is not a BCP 47 language tag");
    expect(problems({ ANDROID_SMS_HASH: "short" })).toContain("ANDROID_SMS_HASH");
    expect(problems({ SMS_ORIGIN_BOUND_DOMAIN: "https://app.example.com" })).toContain("SMS_ORIGIN_BOUND_DOMAIN");
    expect(problems({ SMS_TEMPLATES: TEMPLATES, ANDROID_SMS_HASH: "FA+9qCX9VSu", SMS_ORIGIN_BOUND_DOMAIN: "App.Example.com" })).toBe("");
  });
});
