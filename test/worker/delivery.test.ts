import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { requestOtp } from "../../src/domain/sign-in";
import { call, captureLogs, expectError, msg91Settings, PROFILES, services, snsSettings, testEnv, twilioScenario, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

/**
 * Issue 13, channels and providers through the Worker: voice codes (Twilio
 * Calls with inline TwiML), SNS and MSG91 as the SMS provider, and the
 * fallback provider after a definite refusal. Every provider is a local
 * fake that checks its real wire format (test/support/fake-*.ts).
 */

interface Call {
  To: string;
  From: string;
  Twiml: string;
  StatusCallback: string | null;
}

async function twilioCalls(to: string): Promise<Call[]> {
  const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__calls?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { calls: Call[] }).calls;
}

async function snsReceived(to: string): Promise<{ Message: string; attributes: Record<string, string> }[]> {
  const res = await fetch(`${testEnv.FAKE_SNS_URL}/__messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: { Message: string; attributes: Record<string, string> }[] }).messages;
}

async function msg91Received(to: string): Promise<{ variables: Record<string, string> }[]> {
  const res = await fetch(`${testEnv.FAKE_MSG91_URL}/__messages?mobile=${to.slice(1)}`);
  return ((await res.json()) as { messages: { variables: Record<string, string> }[] }).messages;
}

/** The structured auth events logged, in order. */
function events(lines: string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.startsWith('{"level"')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === "auth_event");
}

const sendEvents = (lines: string[]) => events(lines).filter((e) => String(e.event).startsWith("otp.s"));
const codeIn = (text: string): string => /\b(\d{6})\b/.exec(text)![1]!;
const verify = (phone: string, otp: string, ip: string) => call("/auth/verify-otp", { body: { phone, otp }, ip });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("voice codes", () => {
  const voice = { ...twilioSettings(), VOICE_COUNTRIES_ALLOW: "IN" };

  it("are off by default: channel voice is 400 channel_not_supported, places no call and charges nothing", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    await expectError(await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip, settings: twilioSettings() }), 400, "channel_not_supported");
    expect(await twilioCalls(phone)).toEqual([]);
    // No cooldown was started: an SMS goes out at once.
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings: twilioSettings() })).status).toBe(200);
  });

  it("go only to VOICE_COUNTRIES_ALLOW: a listed country's number gets a call, another's gets 400", async () => {
    const uk = `+4479${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    await expectError(await call("/auth/request-otp", { body: { phone: uk, channel: "voice" }, ip: uniqueIp(), settings: voice }), 400, "channel_not_supported");
    expect(await twilioCalls(uk)).toEqual([]);
  });

  it("a call From TWILIO_FROM with inline TwiML reads the digits one by one, twice, in the request's language; the code signs in", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const res = await call("/auth/request-otp", { body: { phone, channel: "voice", locale: "hi-IN" }, ip, settings: voice });
    expect(res.status).toBe(200);
    const [placed, ...more] = await twilioCalls(phone);
    expect(more).toEqual([]);
    expect(placed!.From).toBe(twilioSettings().TWILIO_FROM);
    const says = [...placed!.Twiml.matchAll(/<Say language="([^"]+)">([^<]*)<\/Say>/g)];
    expect(says.map((m) => m[1])).toEqual(["hi-IN", "hi-IN"]);
    expect(says[0]![2]).toBe(says[1]![2]);
    expect(placed!.Twiml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say [^>]+>[^<]+<\/Say><Pause length="1"\/><Say [^>]+>[^<]+<\/Say><\/Response>$/);
    const spoken = /(\d(?:, \d){5})/.exec(says[0]![2]!)![1]!;
    expect(says[0]![2]).toBe(`आपका edge-phone-auth कोड है: ${spoken}.`);
    expect((await verify(phone, spoken.replaceAll(", ", ""), ip)).status).toBe(200);
  });

  it("count toward the same per-phone limits as SMS: an SMS right after a call is inside the cooldown (429)", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    expect((await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip, settings: voice })).status).toBe(200);
    const again = await call("/auth/request-otp", { body: { phone }, ip, settings: voice });
    await expectError(again, 429, "rate_limited");
    expect(await twilioCalls(phone)).toHaveLength(1);
  });

  it("count toward the same prefix budget as SMS: with SMS_PREFIX_HOURLY_LIMIT=1 a call spends the prefix's hour", async () => {
    const prefix = uniquePhone().slice(0, -3);
    const budget = { ...voice, SMS_PREFIX_HOURLY_LIMIT: "1" };
    expect((await call("/auth/request-otp", { body: { phone: `${prefix}001`, channel: "voice" }, ip: uniqueIp(), settings: budget })).status).toBe(200);
    await expectError(await call("/auth/request-otp", { body: { phone: `${prefix}002` }, ip: uniqueIp(), settings: budget }), 429, "rate_limited");
  });

  it("with SMS through SNS, calls still go through Twilio From TWILIO_VOICE_FROM, and ask for receipts when PUBLIC_URL is set", async () => {
    const phone = uniquePhone();
    const settings = { ...twilioSettings(), ...snsSettings(), SMS_PROVIDER: "sns", TWILIO_VOICE_FROM: "+15005550007", VOICE_COUNTRIES_ALLOW: "IN", PUBLIC_URL: "https://auth.example.com" };
    expect((await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip: uniqueIp(), settings })).status).toBe(200);
    const [placed] = await twilioCalls(phone);
    expect(placed!.From).toBe("+15005550007");
    expect(placed!.StatusCallback).toMatch(/^https:\/\/auth\.example\.com\/webhooks\/twilio\/status\?.*ch=voice/);
    expect(await snsReceived(phone)).toEqual([]);
  });

  it("with the console provider the call's words land in the dev outbox, marked voice, in English by default", async () => {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip: uniqueIp(), settings: { VOICE_COUNTRIES_ALLOW: "*" } })).status).toBe(200);
    const outbox = (await (await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json()) as { messages: { body: string; channel: string }[] };
    expect(outbox.messages[0]).toMatchObject({ channel: "voice", body: expect.stringMatching(/^\[en-US\] Your edge-phone-auth code is: \d(, \d){5}\. … Your edge-phone-auth code is: \d(, \d){5}\.$/) });
  });
});

describe("SMS providers", () => {
  it("SNS as SMS_PROVIDER: the code goes out through the SigV4-checking fake, Transactional, and signs in", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings: { SMS_PROVIDER: "sns", ...snsSettings() } })).status).toBe(200);
    vi.restoreAllMocks();
    const [sent] = await snsReceived(phone);
    expect(sent!.attributes["AWS.SNS.SMS.SMSType"]).toBe("Transactional");
    expect(sendEvents(lines)).toEqual([expect.objectContaining({ event: "otp.sent", provider: "sns", channel: "sms", messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) })]);
    expect((await verify(phone, codeIn(sent!.Message), ip)).status).toBe(200);
  });

  it("MSG91 as SMS_PROVIDER: our own code fills the registered template's variables, and signs in", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings: { SMS_PROVIDER: "msg91", ...msg91Settings() } })).status).toBe(200);
    const [sent] = await msg91Received(phone);
    expect(sent!.variables).toEqual({ otp: expect.stringMatching(/^\d{6}$/), minutes: "5" });
    expect((await verify(phone, sent!.variables.otp!, ip)).status).toBe(200);
  });
});

describe.each(PROFILES)("SMS_FALLBACK_PROVIDER ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));
  const settings = { ...twilioSettings(), ...snsSettings(), SMS_FALLBACK_PROVIDER: "sns" };

  it("after the primary's definite refusal for a fault of its own the same code goes out once through the fallback; both attempts are logged", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    await twilioScenario(phone, { status: 503, code: 20503 });
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
    vi.restoreAllMocks();
    const sent = await snsReceived(phone);
    expect(sent).toHaveLength(1);
    expect(sendEvents(lines)).toEqual([
      expect.objectContaining({ event: "otp.send_failed", provider: "twilio", providerStatus: 503, providerCode: 20503, reason: "provider_503" }),
      expect.objectContaining({ event: "otp.sent", provider: "sns", fallback: true }),
    ]);
    expect((await verify(phone, codeIn(sent[0]!.Message), ip)).status).toBe(200);
  });

  it("SEND-05: a verdict on the message itself (Twilio 21408 country not permitted, 21610 opted out) is final: no fallback, 502, the slot given back", async () => {
    for (const code of [21408, 21610]) {
      const phone = uniquePhone();
      const ip = uniqueIp();
      await twilioScenario(phone, { status: 400, code });
      const lines = captureLogs();
      await expectError(await call("/auth/request-otp", { body: { phone }, ip, settings }), 502, "sms_send_failed");
      vi.restoreAllMocks();
      expect(await snsReceived(phone)).toEqual([]);
      expect(sendEvents(lines)).toEqual([expect.objectContaining({ event: "otp.send_failed", provider: "twilio", providerCode: code })]);
      await twilioScenario(phone, { status: 201 });
      expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
    }
  });

  it("SEND-05: when the fallback refuses too: 502, both refusals logged, and the phone gets its slot back", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    await twilioScenario(phone, { status: 401, code: 20003 });
    await fetch(`${testEnv.FAKE_SNS_URL}/__scenario`, { method: "POST", body: JSON.stringify({ to: phone, status: 400, code: "InvalidParameter" }) });
    const lines = captureLogs();
    await expectError(await call("/auth/request-otp", { body: { phone }, ip, settings }), 502, "sms_send_failed");
    vi.restoreAllMocks();
    expect(sendEvents(lines)).toEqual([
      expect.objectContaining({ event: "otp.send_failed", provider: "twilio", providerCode: 20003 }),
      expect.objectContaining({ event: "otp.send_failed", provider: "sns", fallback: true, providerError: "InvalidParameter" }),
    ]);
    // SEND-05: nothing left, so no cooldown: the next request goes out at once (through Twilio, which now accepts).
    await twilioScenario(phone, { status: 201 });
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
  });

  it("SEND-08: a fallback that does not answer in time keeps everything charged: the message may arrive", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    await twilioScenario(phone, { status: 503, code: 20503 });
    await fetch(`${testEnv.FAKE_SNS_URL}/__scenario`, { method: "POST", body: JSON.stringify({ to: phone, delayMs: 1500 }) });
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
    vi.restoreAllMocks();
    expect(sendEvents(lines).map((e) => [e.event, e.provider])).toEqual([["otp.send_failed", "twilio"], ["otp.send_unconfirmed", "sns"]]);
    await expectError(await call("/auth/request-otp", { body: { phone }, ip, settings }), 429, "rate_limited");
  });

  it("SEND-08: a primary out of reach (no answer at all) or failing unexpectedly is not followed by the fallback", async () => {
    const phone = uniquePhone();
    const lines = captureLogs();
    await expectError(await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings: { ...settings, TWILIO_API_BASE: "http://127.0.0.1:9" } }), 502, "sms_send_failed");
    vi.restoreAllMocks();
    expect(await snsReceived(phone)).toEqual([]);
    expect(sendEvents(lines)).toEqual([expect.objectContaining({ event: "otp.send_unconfirmed", provider: "twilio", reason: "network" })]);

    const other = uniquePhone();
    const deps = await services({}, settings);
    const broken = { provider: "twilio" as const, send: async (): Promise<never> => Promise.reject(new TypeError("bug")) };
    const err = await requestOtp({ ...deps, sms: broken }, { phone: other }, { ip: uniqueIp(), userAgent: null, country: null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "sms_send_failed" });
    expect(await snsReceived(other)).toEqual([]);
  });

  it("SEND-08: a primary that did not answer in time is not followed by the fallback (the message may still arrive)", async () => {
    const phone = uniquePhone();
    await twilioScenario(phone, { delayMs: 1500 });
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings })).status).toBe(200);
    vi.restoreAllMocks();
    expect(await snsReceived(phone)).toEqual([]);
    expect(sendEvents(lines)).toEqual([expect.objectContaining({ event: "otp.send_unconfirmed", provider: "twilio", reason: "timeout" })]);
  });
});
