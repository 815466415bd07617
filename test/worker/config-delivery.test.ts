import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { msg91Settings, snsSettings, testEnv, twilioSettings } from "./helpers";

const base = { ...testEnv } as Record<string, unknown>;

function problems(settings: Record<string, unknown>): string {
  const result = parseConfig({ ...base, ...settings });
  return result.ok ? "" : result.problems.join("\n");
}

describe("configuration: providers, fallback, voice, receipts (issue 13)", () => {
  it("each provider needs its own settings, as SMS_PROVIDER and as SMS_FALLBACK_PROVIDER", () => {
    expect(problems({ SMS_PROVIDER: "sns" })).toMatch(/AWS_ACCESS_KEY_ID: is required when SMS_PROVIDER=sns[\s\S]*AWS_REGION: is required/);
    expect(problems({ SMS_PROVIDER: "msg91" })).toMatch(/MSG91_AUTH_KEY: is required when SMS_PROVIDER=msg91[\s\S]*MSG91_TEMPLATE_ID/);
    expect(problems({ ...twilioSettings(), SMS_FALLBACK_PROVIDER: "sns" })).toMatch(/AWS_SECRET_ACCESS_KEY: is required when SMS_FALLBACK_PROVIDER=sns/);
    expect(problems({ SMS_PROVIDER: "sns", ...snsSettings(), SMS_FALLBACK_PROVIDER: "twilio" })).toMatch(/TWILIO_ACCOUNT_SID: is required when SMS_FALLBACK_PROVIDER=twilio/);
    expect(problems({ SMS_PROVIDER: "sns", ...snsSettings(), SMS_FALLBACK_PROVIDER: "msg91", ...msg91Settings() })).toBe("");
  });

  it("the fallback must differ from the primary and cannot be the console", () => {
    expect(problems({ ...twilioSettings(), SMS_FALLBACK_PROVIDER: "twilio" })).toMatch(/SMS_FALLBACK_PROVIDER: must differ from SMS_PROVIDER/);
    expect(problems({ ...twilioSettings(), SMS_FALLBACK_PROVIDER: "console" })).toMatch(/SMS_FALLBACK_PROVIDER/);
  });

  it("voice is off by default; on, it needs a Twilio number to call from (TWILIO_FROM when it is one)", () => {
    const off = parseConfig({ ...base, ...twilioSettings() });
    expect(off.ok && off.config.delivery.voice).toBeNull();
    const on = parseConfig({ ...base, ...twilioSettings(), VOICE_COUNTRIES_ALLOW: "IN,GB" });
    expect(on.ok && on.config.delivery.voice).toMatchObject({ provider: "twilio", from: twilioSettings().TWILIO_FROM, policy: { allowCountries: ["IN", "GB"] } });
    expect(problems({ ...twilioSettings(), TWILIO_FROM: "ACME", VOICE_COUNTRIES_ALLOW: "IN" })).toMatch(/TWILIO_VOICE_FROM: is required when VOICE_COUNTRIES_ALLOW is set/);
    expect(problems({ ...twilioSettings(), TWILIO_FROM: "ACME", TWILIO_VOICE_FROM: "+14155550100", VOICE_COUNTRIES_ALLOW: "IN" })).toBe("");
    expect(problems({ SMS_PROVIDER: "sns", ...snsSettings(), VOICE_COUNTRIES_ALLOW: "IN" })).toMatch(/TWILIO_ACCOUNT_SID: is required when VOICE_COUNTRIES_ALLOW is set/);
    expect(problems({ VOICE_COUNTRIES_ALLOW: "in" })).toMatch(/VOICE_COUNTRIES_ALLOW/);
    expect(problems({ VOICE_COUNTRIES_ALLOW: "IN,ZZ" })).toMatch(/VOICE_COUNTRIES_ALLOW: lists a code that is no country/);
    const { TWILIO_AUTH_TOKEN: _token, ...noToken } = twilioSettings();
    expect(problems({ ...noToken, SMS_PROVIDER: "sns", ...snsSettings(), VOICE_COUNTRIES_ALLOW: "IN" })).toMatch(/TWILIO_AUTH_TOKEN: is required when VOICE_COUNTRIES_ALLOW is set/);
    const all = parseConfig({ ...base, VOICE_COUNTRIES_ALLOW: "*", VOICE_KEYPRESS: "true", PUBLIC_URL: "https://auth.example.com" });
    // The console plays the words in development: no key press, no route.
    expect(all.ok && all.config.delivery.voice).toMatchObject({ provider: "console", policy: { allowCountries: null }, keypressUrl: null });
  });

  it("VOICE_TEMPLATES add to and replace the built-in sentences; each must hold {code}", () => {
    const ok = parseConfig({ ...base, VOICE_COUNTRIES_ALLOW: "*", VOICE_TEMPLATES: JSON.stringify({ "nl-NL": "Uw code is {code}.", en: "Code: {code}." }) });
    expect(ok.ok && ok.config.delivery.voice?.policy.templates).toMatchObject({ "nl-nl": "Uw code is {code}.", en: "Code: {code}.", fr: expect.any(String) });
    expect(problems({ VOICE_TEMPLATES: JSON.stringify({ en: "no code" }) })).toMatch(/VOICE_TEMPLATES: the "en" template must be a string containing \{code\}/);
    expect(problems({ VOICE_TEMPLATES: JSON.stringify({ en: `{code}${"x".repeat(300)}` }) })).toMatch(/VOICE_TEMPLATES: each template must be at most 300 characters/);
  });

  it("delivery receipts are asked for only when PUBLIC_URL is set and Twilio carries codes", () => {
    const receipts = (settings: Record<string, unknown>): string | null => {
      const result = parseConfig({ ...base, ...settings });
      return result.ok ? result.config.delivery.statusCallbackUrl : "invalid";
    };
    expect(receipts({ ...twilioSettings(), PUBLIC_URL: "https://auth.example.com/" })).toBe("https://auth.example.com/webhooks/twilio/status");
    expect(receipts({ ...twilioSettings() })).toBeNull();
    expect(receipts({ SMS_PROVIDER: "sns", ...snsSettings(), PUBLIC_URL: "https://auth.example.com" })).toBeNull();
    expect(receipts({ ...twilioSettings(), ...snsSettings(), SMS_PROVIDER: "sns", SMS_FALLBACK_PROVIDER: "twilio", PUBLIC_URL: "https://auth.example.com" })).toBe("https://auth.example.com/webhooks/twilio/status");
  });

  it("PUBLIC_URL: no query, fragment or user info (the callback URL is built on it); https:// in production", () => {
    for (const url of ["https://auth.example.com/?x=1", "https://auth.example.com/#f", "https://u:p@auth.example.com"]) expect(problems({ PUBLIC_URL: url }), url).toMatch(/PUBLIC_URL: must be an http\(s\) origin/);
    expect(problems({ ...twilioSettings(), ENVIRONMENT: "production", PUBLIC_URL: "http://auth.example.com" })).toMatch(/PUBLIC_URL: must be https:\/\/ when ENVIRONMENT=production/);
    expect(problems({ PUBLIC_URL: "https://example.com/auth" })).toBe("");
  });

  it("provider URLs must be https:// in production; SNS defaults to its regional endpoint; formats are checked", () => {
    const production = { ENVIRONMENT: "production" };
    expect(problems({ ...production, SMS_PROVIDER: "sns", ...snsSettings() })).toMatch(/SNS_API_BASE: must be https/);
    expect(problems({ ...production, SMS_PROVIDER: "msg91", ...msg91Settings() })).toMatch(/MSG91_API_BASE: must be https/);
    const sns = parseConfig({ ...base, SMS_PROVIDER: "sns", ...snsSettings(), SNS_API_BASE: "" });
    expect(sns.ok && sns.config.delivery.sns?.apiBase).toBe("https://sns.ap-south-1.amazonaws.com");
    for (const [key, value] of [
      ["AWS_REGION", "mars-1"],
      ["SNS_SENDER_ID", "TOO-LONG-SENDER"],
      ["SNS_ORIGINATION_NUMBER", "12065550100"],
      ["SNS_MAX_PRICE_USD", "-1"],
      ["MSG91_CODE_VARIABLE", "##otp##"],
      ["SNS_ENTITY_ID", "abc"],
      ["SMS_PROVIDER", "plivo"],
    ] as const) {
      expect(problems({ [key]: value }), `${key}=${value}`).toContain(key);
    }
  });
});
