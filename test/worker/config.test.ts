import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { call, expectError, testEnv, twilioSettings, uniquePhone } from "./helpers";

const base = { ...testEnv } as Record<string, unknown>;

describe("configuration: transport and client address", () => {
  it("TWILIO_API_BASE must be https:// in production, where Basic-auth credentials travel with every call", () => {
    const production = { ...base, ...twilioSettings(), ENVIRONMENT: "production" };
    const plain = parseConfig({ ...production, TWILIO_API_BASE: "http://api.twilio.com" });
    expect(plain.ok).toBe(false);
    if (!plain.ok) expect(plain.problems.join(" ")).toMatch(/TWILIO_API_BASE: must be https/);
    expect(parseConfig({ ...production, TWILIO_API_BASE: "https://api.twilio.com" }).ok).toBe(true);
    // Outside production a local fake over http stays allowed (the test suites use one).
    expect(parseConfig({ ...base, ...twilioSettings() }).ok).toBe(true);
  });

  it("an http TWILIO_API_BASE in production makes every request 503 service_misconfigured, before anything is sent", async () => {
    const settings = { ...twilioSettings(), ENVIRONMENT: "production" };
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings }), 503, "service_misconfigured");
  });

  it("CLIENT_IP_SOURCE and TRUSTED_PROXY_HOPS: defaults, accepted values and refused ones", () => {
    const ok = parseConfig(base);
    expect(ok.ok && ok.config.clientIp).toEqual({ source: "cf-connecting-ip", trustedProxyHops: 1 });
    const xff = parseConfig({ ...base, CLIENT_IP_SOURCE: "x-forwarded-for", TRUSTED_PROXY_HOPS: "2" });
    expect(xff.ok && xff.config.clientIp).toEqual({ source: "x-forwarded-for", trustedProxyHops: 2 });
    for (const [key, value] of [
      ["CLIENT_IP_SOURCE", "x-real-ip"],
      ["TRUSTED_PROXY_HOPS", "0"],
      ["TRUSTED_PROXY_HOPS", "11"],
      ["PUBLIC_URL", "ftp://auth.example.com"],
    ] as const) {
      const result = parseConfig({ ...base, [key]: value });
      expect(result.ok, `${key}=${value}`).toBe(false);
      if (!result.ok) expect(result.problems.join(" ")).toContain(key);
    }
    const url = parseConfig({ ...base, PUBLIC_URL: "https://auth.example.com/" });
    expect(url.ok && url.config.publicUrl).toBe("https://auth.example.com");
  });
});
