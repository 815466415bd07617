import { afterEach, describe, expect, it, vi } from "vitest";
import { twilioSign } from "../support/twilio-signing";
import { advanceClock, call, captureLogs, expectError, testEnv, twilioSettings, uniqueIp, uniquePhone } from "./helpers";

/**
 * VOICE_KEYPRESS: a voice code's call asks for a key press first, so a
 * voicemail box that answers never records the code. The key press (Twilio's
 * <Gather> action, signed by Twilio) fetches the sealed words from
 * POST /webhooks/twilio/voice. Signatures are computed here independently.
 */

const PUBLIC_URL = "https://auth.example.com";
const settings = { ...twilioSettings(), VOICE_COUNTRIES_ALLOW: "IN", VOICE_KEYPRESS: "true", PUBLIC_URL };

/** Twilio posting the key press to the Gather's action URL. */
async function press(action: string, form: Record<string, string>, opts: { signature?: string; signedUrl?: string; settings?: Record<string, string> } = {}): Promise<Response> {
  const { pathname, search } = new URL(action);
  const signature = opts.signature ?? (await twilioSign(opts.signedUrl ?? action, form));
  return call(pathname + search, { rawBody: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, settings: opts.settings ?? settings });
}

/** Asks for a voice code; returns the call's TwiML and its Gather action URL. */
async function gatedCall(phone: string, ip: string, locale = "hi"): Promise<{ twiml: string; action: string }> {
  expect((await call("/auth/request-otp", { body: { phone, channel: "voice", locale }, ip, settings })).status).toBe(200);
  const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__calls?to=${encodeURIComponent(phone)}`);
  const [placed] = ((await res.json()) as { calls: { Twiml: string }[] }).calls;
  const action = /action="([^"]+)"/.exec(placed!.Twiml)![1]!.replaceAll("&amp;", "&");
  return { twiml: placed!.Twiml, action };
}

const form = (phone: string, digits: string | null): Record<string, string> => ({
  AccountSid: "AC00000000000000000000000000000001",
  CallSid: `CA${"1".repeat(32)}`,
  From: twilioSettings().TWILIO_FROM!,
  To: phone,
  ...(digits === null ? {} : { Digits: digits }),
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("voice codes behind a key press (VOICE_KEYPRESS)", () => {
  it("the call says only the prompt, in the person's language; no digit of the code is in its TwiML", async () => {
    const phone = uniquePhone();
    const { twiml, action } = await gatedCall(phone, uniqueIp());
    expect(twiml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Gather input="dtmf" numDigits="1" finishOnKey="" timeout="8" method="POST" action="[^"]+"><Say language="hi-IN">अपना edge-phone-auth कोड सुनने के लिए कोई भी बटन दबाएँ।<\/Say><Pause length="1"\/><Say language="hi-IN">[^<]+<\/Say><\/Gather><\/Response>$/);
    expect(twiml).not.toMatch(/\d, \d/);
    expect(action).toMatch(/^https:\/\/auth\.example\.com\/webhooks\/twilio\/voice\?v=[A-Za-z0-9_-]+$/);
  });

  it("a key press signed by Twilio gets the code said twice, and that code signs in", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const { action } = await gatedCall(phone, ip);
    const res = await press(action, form(phone, "5"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/xml/);
    const twiml = await res.text();
    const says = [...twiml.matchAll(/<Say language="hi-IN">([^<]*)<\/Say>/g)].map((m) => m[1]!);
    expect(says).toHaveLength(2);
    const spoken = /(\d(?:, \d){5})/.exec(says[0]!)![1]!;
    expect((await call("/auth/verify-otp", { body: { phone, otp: spoken.replaceAll(", ", "") }, ip })).status).toBe(200);
  });

  it("no key, a seal for another number, a changed or expired seal: a hang-up, never the code", async () => {
    const phone = uniquePhone();
    const { action } = await gatedCall(phone, uniqueIp());
    const hangUp = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';
    const lines = captureLogs();
    expect(await (await press(action, form(phone, null))).text()).toBe(hangUp);
    expect(await (await press(action, form(phone, ""))).text()).toBe(hangUp);
    vi.restoreAllMocks();
    // Each hang-up is one line with its reason, for the voice delivery metric.
    const keypress = lines.filter((l) => l.includes('"voice_keypress"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(keypress.map((l) => [l.outcome, l.reason])).toEqual([["hung_up", "no_key"], ["hung_up", "no_key"]]);
    expect(await (await press(action, form(uniquePhone(), "1"))).text()).toBe(hangUp);
    const token = new URL(action).searchParams.get("v")!;
    const flipped = `${action.slice(0, -token.length)}${token.slice(0, -2)}${token.endsWith("AA") ? "BA" : "AA"}`;
    expect(await (await press(flipped, form(phone, "1"))).text()).toBe(hangUp);
    advanceClock(5 * 60_000 + 1000);
    expect(await (await press(action, form(phone, "1"))).text()).toBe(hangUp);
  });

  it("the seal lives as long as the code: with OTP_TTL_SECONDS=600 a key pressed after 9 minutes still gets it", async () => {
    const phone = uniquePhone();
    const long = { ...settings, OTP_TTL_SECONDS: "600" };
    expect((await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip: uniqueIp(), settings: long })).status).toBe(200);
    const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__calls?to=${encodeURIComponent(phone)}`);
    const [placed] = ((await res.json()) as { calls: { Twiml: string }[] }).calls;
    const action = /action="([^"]+)"/.exec(placed!.Twiml)![1]!.replaceAll("&amp;", "&");
    advanceClock(9 * 60_000);
    const answer = await press(action, form(phone, "1"), { settings: long });
    expect(await answer.text()).toMatch(/<Say language="en-US">Your edge-phone-auth code is: \d(, \d){5}\.<\/Say>/);
  });

  it("HOOK-01: a key press not signed by Twilio is 403 and gets no code", async () => {
    const phone = uniquePhone();
    const { action } = await gatedCall(phone, uniqueIp());
    const res = await press(action, form(phone, "1"), { signature: await twilioSign(action, form(phone, "1"), "not-the-token") });
    await expectError(res, 403, "signature_invalid");
    await expectError(await press(action, form(phone, "1"), { signedUrl: action.replace(PUBLIC_URL, "https://auth.test") }), 403, "signature_invalid");
  });

  it("is 404 unless VOICE_KEYPRESS is on, and needs PUBLIC_URL", async () => {
    const phone = uniquePhone();
    const off = { ...settings, VOICE_KEYPRESS: "false" };
    const url = `${PUBLIC_URL}/webhooks/twilio/voice?v=x`;
    const body = form(phone, "1");
    const res = await call("/webhooks/twilio/voice?v=x", { rawBody: new URLSearchParams(body).toString(), headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": await twilioSign(url, body) }, settings: off });
    await expectError(res, 404, "not_found");
    const { PUBLIC_URL: _url, ...noUrl } = settings;
    await expectError(await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip: uniqueIp(), settings: noUrl }), 503, "service_misconfigured");
  });
});
