import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advanceClock, call, captureLogs, expectError, PROFILES, testEnv, twilioReceived, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The Twilio provider and Twilio Lookup, both local fakes, so every paid call is counted. */
const lookupSettings = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...twilioSettings(),
  LOOKUP_PROVIDER: "twilio",
  TWILIO_LOOKUP_BASE: testEnv.FAKE_LOOKUP_URL,
  LOOKUP_TIMEOUT_MS: "500",
  ...extra,
});

const request = (phone: string, settings = lookupSettings()) => call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings });

async function scenario(phone: string, s: { type?: string; status?: number; code?: number; delayMs?: number }): Promise<void> {
  await fetch(`${testEnv.FAKE_LOOKUP_URL}/__scenario`, { method: "POST", body: JSON.stringify({ phone, ...s }) });
}

async function lookups(phone: string): Promise<number> {
  return ((await (await fetch(`${testEnv.FAKE_LOOKUP_URL}/__lookups?phone=${encodeURIComponent(phone)}`)).json()) as { count: number }).count;
}

describe.each(PROFILES)("carrier line-type lookup ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-02: a blocked line type (non-fixed VoIP by default) is refused before the SMS, and the phone gets its send slot back", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    await scenario(phone, { type: "nonFixedVoip" });
    await expectError(await request(phone), 400, "phone_not_supported");
    expect(await twilioReceived(phone)).toHaveLength(0);
    expect(logs.some((l) => l.includes('"reason":"line_type:nonFixedVoip"'))).toBe(true);
    // The slot came back: with the lookup off the number may ask again at once.
    expect((await request(phone, twilioSettings())).status).toBe(200);
  });

  it("FRAUD-02: a number is looked up once per cache period; the lookup runs only after the free checks and limits", async () => {
    const phone = uniquePhone();
    expect((await request(phone)).status).toBe(200);
    expect(await lookups(phone)).toBe(1);
    // Refused by the resend cooldown: no lookup is paid for.
    await expectError(await request(phone), 429, "rate_limited");
    expect(await lookups(phone)).toBe(1);
    // After the cooldown: the cached answer, no second lookup.
    advanceClock(61_000);
    expect((await request(phone)).status).toBe(200);
    expect(await lookups(phone)).toBe(1);
    // A number never looked up, refused by its address's limit: no lookup either.
    const digits = () => String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000).padStart(4, "0");
    const ip = `2001:db8:${digits()}:${digits()}::1`;
    const oneSend = lookupSettings({ IP_SEND_LIMIT: "1" });
    expect((await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip, settings: oneSend })).status).toBe(200);
    const fresh = uniquePhone();
    await expectError(await call("/auth/request-otp", { body: { phone: fresh }, ip, settings: oneSend }), 429, "rate_limited");
    expect(await lookups(fresh)).toBe(0);
    // Refused by the number policy: never looked up.
    await expectError(await request("+19002345678"), 400, "phone_not_supported");
    expect(await lookups("+19002345678")).toBe(0);
    // Once the cache period is over the number is looked up again.
    advanceClock(30 * 86_400_000 + 61_000);
    expect((await request(phone)).status).toBe(200);
    expect(await lookups(phone)).toBe(2);
  });

  it("FRAUD-02: a cached refusal costs no second lookup; fixedVoip and landline pass unless configured", async () => {
    const voip = uniquePhone();
    await scenario(voip, { type: "nonFixedVoip" });
    await expectError(await request(voip), 400, "phone_not_supported");
    await expectError(await request(voip), 400, "phone_not_supported");
    expect(await lookups(voip)).toBe(1);
    const fixed = uniquePhone();
    await scenario(fixed, { type: "fixedVoip" });
    expect((await request(fixed)).status).toBe(200);
    const landline = uniquePhone();
    await scenario(landline, { type: "landline" });
    await expectError(await request(landline, lookupSettings({ LOOKUP_BLOCKED_LINE_TYPES: "landline,fixedVoip" })), 400, "phone_not_supported");
  });

  it("FRAUD-02: a failed lookup follows LOOKUP_FAILURE_POLICY: allow sends (logged), deny refuses with 503 and sends nothing", async () => {
    const logs = captureLogs();
    const down = uniquePhone();
    await scenario(down, { status: 503, code: 20503 });
    expect((await request(down)).status).toBe(200);
    expect(await twilioReceived(down)).toHaveLength(1);
    expect(logs.some((l) => l.includes('"event":"lookup.failed"') && l.includes('"providerCode":20503'))).toBe(true);

    const strict = uniquePhone();
    await scenario(strict, { status: 503, code: 20503 });
    const refused = await request(strict, lookupSettings({ LOOKUP_FAILURE_POLICY: "deny" }));
    await expectError(refused, 503, "service_unavailable");
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(await twilioReceived(strict)).toHaveLength(0);
    // A failure is never cached, and the refused request gave its slot back.
    await scenario(strict, { type: "mobile" });
    expect((await request(strict, lookupSettings({ LOOKUP_FAILURE_POLICY: "deny" }))).status).toBe(200);

    const slow = uniquePhone();
    await scenario(slow, { delayMs: 2000 });
    await expectError(await request(slow, lookupSettings({ LOOKUP_FAILURE_POLICY: "deny" })), 503, "service_unavailable");
    expect(logs.some((l) => l.includes('"event":"lookup.failed"') && l.includes('"reason":"timeout"'))).toBe(true);
  });

  it("LOOKUP_PROVIDER=twilio needs the Twilio credentials; test numbers are never looked up", async () => {
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip: uniqueIp(), settings: { LOOKUP_PROVIDER: "twilio" } }), 503, "service_misconfigured");
    const phone = uniquePhone();
    expect((await request(phone, lookupSettings({ TEST_PHONE_NUMBERS: `${phone}:123456` }))).status).toBe(200);
    expect(await lookups(phone)).toBe(0);
  });

  it("FRAUD-02: LOOKUP_CACHE_SECONDS sets how long an answer is kept", async () => {
    const phone = uniquePhone();
    const hourly = lookupSettings({ LOOKUP_CACHE_SECONDS: "3600" });
    expect((await request(phone, hourly)).status).toBe(200);
    advanceClock(1800_000);
    expect((await request(phone, hourly)).status).toBe(200);
    expect(await lookups(phone)).toBe(1);
    advanceClock(3601_000);
    expect((await request(phone, hourly)).status).toBe(200);
    expect(await lookups(phone)).toBe(2);
  });
});
