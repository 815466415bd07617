import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advanceClock, call, captureLogs, expectError, latestCode, pinFor, PROFILES, testEnv, twilioReceived, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

interface SignedIn {
  token: string;
  deviceToken: string;
}

/** A sign-in by code from `country` (Cloudflare's cf.country), with a device token or none. */
async function signInFrom(phone: string, country: string, opts: { deviceToken?: string; settings?: Record<string, string> } = {}): Promise<SignedIn> {
  const extra = opts.deviceToken ? { deviceToken: opts.deviceToken } : {};
  expect((await call("/auth/request-otp", { body: { phone, ...extra }, ip: uniqueIp(), country })).status).toBe(200);
  const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone), ...extra }, ip: uniqueIp(), country, settings: opts.settings ?? {} });
  expect(res.status).toBe(200);
  return (await res.json()) as SignedIn;
}

const stepUpOf = async (token: string) => ((await (await call("/auth/check-session", { token })).json()) as { stepUp: { required: boolean; reason?: string; methods: string[] } }).stepUp;

describe.each(PROFILES)("sign-in risk ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("a sign-in on a new device from a new country, for a user with a PIN, must be unlocked before it counts", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    const home = await signInFrom(phone, "IN");
    const pin = pinFor(phone);
    expect((await call("/auth/pin", { body: { pin }, token: home.token })).status).toBe(204);
    advanceClock(61_000);
    // Abroad, on a device that never signed in: 40 + 30 = 70 > 60.
    const abroad = await signInFrom(phone, "DE");
    expect(await stepUpOf(abroad.token)).toEqual({ required: true, methods: ["pin"], reason: "risk" });
    await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token: abroad.token }), 401, "step_up_required");
    const sessions = ((await (await call("/auth/sessions", { token: abroad.token })).json()) as { sessions: { current: boolean; risk: unknown }[] }).sessions;
    expect(sessions.find((s) => s.current)!.risk).toEqual({ score: 70, reasons: ["new_device", "new_country"] });
    const verified = logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === "otp.verified");
    expect(verified.at(-1)).toMatchObject({ riskScore: 70, riskReasons: ["new_device", "new_country"] });
    // The PIN unlocks it.
    const unlocked = (await (await call("/auth/verify-pin", { body: { pin }, token: abroad.token })).json()) as { token: string };
    expect((await stepUpOf(unlocked.token)).required).toBe(false);
  });

  it("a recognised device, a user without an unlock method, or RISK_STEP_UP_THRESHOLD=0 gets no risk step-up", async () => {
    const phone = uniquePhone();
    const home = await signInFrom(phone, "IN");
    expect((await call("/auth/pin", { body: { pin: pinFor(phone) }, token: home.token })).status).toBe(204);
    advanceClock(61_000);
    // The same device abroad: only new_country (30).
    const known = await signInFrom(phone, "DE", { deviceToken: home.deviceToken });
    expect((await stepUpOf(known.token)).required).toBe(false);
    advanceClock(122_000);
    const off = await signInFrom(phone, "FR", { settings: { RISK_STEP_UP_THRESHOLD: "0" } });
    expect((await stepUpOf(off.token)).required).toBe(false);
    // Nobody to ask: a user with no PIN, passkey or device key.
    const plain = uniquePhone();
    await signInFrom(plain, "IN");
    advanceClock(183_000);
    const risky = await signInFrom(plain, "DE");
    expect((await stepUpOf(risky.token)).required).toBe(false);
    // Nor are the sensitive routes closed to them: a passkey can be enrolled at once.
    expect((await call("/auth/webauthn/registration-options", { method: "POST", token: risky.token })).status).toBe(200);
  });

  it("a sign-in on a prefix being pumped, from a VoIP line the operator allows, carries those signals", async () => {
    const logs = captureLogs();
    const settings = {
      ...twilioSettings(),
      LOOKUP_PROVIDER: "twilio",
      TWILIO_LOOKUP_BASE: testEnv.FAKE_LOOKUP_URL,
      LOOKUP_BLOCKED_LINE_TYPES: "premium",
      SMS_PREFIX_HOURLY_LIMIT: "6",
      CONVERSION_MIN_SENDS: "6",
    };
    const base = uniquePhone().slice(0, -3);
    const [pumped1, pumped2, phone] = ["001", "002", "003"].map((tail) => `${base}${tail}`) as [string, string, string];
    await fetch(`${testEnv.FAKE_LOOKUP_URL}/__scenario`, { method: "POST", body: JSON.stringify({ phone, type: "fixedVoip" }) });
    // Two codes of the prefix sent and never entered, then this number's own: 3 of 6 an hour, none entered.
    for (const p of [pumped1, pumped2, phone]) expect((await call("/auth/request-otp", { body: { phone: p }, ip: uniqueIp(), settings })).status).toBe(200);
    const code = /\b(\d{6})\b/.exec((await twilioReceived(phone)).at(-1)!.Body)![1]!;
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp(), settings });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const sessions = ((await (await call("/auth/sessions", { token })).json()) as { sessions: { current: boolean; risk: unknown }[] }).sessions;
    expect(sessions.find((s) => s.current)!.risk).toEqual({ score: 100, reasons: ["new_device", "busy_prefix", "low_conversion", "voip_line"] });
    const verified = logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === "otp.verified");
    expect(verified.at(-1)).toMatchObject({ riskScore: 100, riskReasons: ["new_device", "busy_prefix", "low_conversion", "voip_line"] });
  });
});
