import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prefixHealth, prefixId } from "../../src/domain/budgets";
import { parseE164 } from "../../src/domain/phone";
import { TWILIO_TEST_AUTH_TOKEN } from "../support/constants";
import { twilioSign } from "../support/twilio-signing";
import { call, captureLogs, currentProfile, expectError, PROFILES, redisCommand, services, testEnv, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

/**
 * Issue 13, delivery receipts: Twilio's status callbacks to
 * POST /webhooks/twilio/status (HOOK-01). The callback URL is the one the
 * send gave Twilio (PUBLIC_URL + path + the receipt tag); Twilio signs it
 * and the form. Signatures here are computed independently of the server's
 * code: HMAC-SHA1 over the URL and the sorted name+value pairs, base64.
 */

const PUBLIC_URL = "https://auth.example.com";
const settings = { ...twilioSettings(), PUBLIC_URL };

/** Posts a callback form to the path and query of `url`, signed over `signedUrl` with `token`. */
async function callback(url: string, form: Record<string, string>, opts: { token?: string; signedUrl?: string; signature?: string | null; rawBody?: string; settings?: Record<string, string> } = {}): Promise<Response> {
  const signature = opts.signature === undefined ? await twilioSign(opts.signedUrl ?? url, form, opts.token ?? TWILIO_TEST_AUTH_TOKEN) : opts.signature;
  const { pathname, search } = new URL(url);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...(signature !== null ? { "x-twilio-signature": signature } : {}) };
  return call(pathname + search, { rawBody: opts.rawBody ?? new URLSearchParams(form).toString(), headers, settings: opts.settings ?? settings });
}

/** A sign-in code sent through the fake Twilio; its message SID and the StatusCallback URL Twilio was given. */
async function sendCode(): Promise<{ phone: string; sid: string; statusCallback: string }> {
  const phone = uniquePhone();
  expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings })).status).toBe(200);
  const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__messages?to=${encodeURIComponent(phone)}`);
  const [message] = ((await res.json()) as { messages: { Sid: string; StatusCallback: string }[] }).messages;
  return { phone, sid: message!.Sid, statusCallback: message!.StatusCallback };
}

/** The form Twilio posts for a message's status (it names the recipient: the server must not keep it). */
const statusForm = (sid: string, phone: string, status: string, errorCode?: string): Record<string, string> => ({
  AccountSid: "AC00000000000000000000000000000001",
  ApiVersion: "2010-04-01",
  From: twilioSettings().TWILIO_FROM!,
  MessageSid: sid,
  MessageStatus: status,
  SmsSid: sid,
  SmsStatus: status,
  To: phone,
  ...(errorCode ? { ErrorCode: errorCode } : {}),
});

const statusLines = (lines: string[]): Record<string, unknown>[] =>
  lines.filter((l) => l.startsWith('{"level"')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === "sms.status");

async function receipt(sid: string): Promise<unknown> {
  return (await services({}, settings)).receiptStore.get(sid, Date.now());
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(PROFILES)("Twilio delivery receipts ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("each send asks for receipts at PUBLIC_URL/webhooks/twilio/status, tagged with country, prefix id, purpose, channel and time (no number)", async () => {
    const { phone, statusCallback } = await sendCode();
    const url = new URL(statusCallback);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/webhooks/twilio/status`);
    expect([...url.searchParams.keys()]).toEqual(["c", "p", "u", "ch", "t"]);
    // The prefix is the keyed id the budgets count under, never digits of the number.
    const prefix = await prefixId((await services({}, settings)).keys, parseE164(phone)!);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ c: "IN", p: prefix, u: "sign_in", ch: "sms" });
    expect(prefix).toMatch(/^[0-9a-f]{32}$/);
    expect(statusCallback).not.toContain(phone.slice(3));
  });

  it("HOOK-01: a signed callback is recorded per message id (204), with no phone number, and logged once as sms.status", async () => {
    const { phone, sid, statusCallback } = await sendCode();
    const lines = captureLogs();
    expect((await callback(statusCallback, statusForm(sid, phone, "sent"))).status).toBe(204);
    expect((await callback(statusCallback, statusForm(sid, phone, "delivered"))).status).toBe(204);
    // Twilio retries and may send out of order: nothing changes, nothing is counted twice.
    expect((await callback(statusCallback, statusForm(sid, phone, "delivered"))).status).toBe(204);
    expect((await callback(statusCallback, statusForm(sid, phone, "sent"))).status).toBe(204);
    vi.restoreAllMocks();
    expect(await receipt(sid)).toEqual({ status: "delivered", state: "delivered", errorCode: null, updatedAt: expect.any(Number) });
    const logged = statusLines(lines);
    const prefix = (await prefixId((await services({}, settings)).keys, parseE164(phone)!)).slice(0, 12);
    expect(logged).toEqual([expect.objectContaining({ outcome: "success", reason: "delivered", provider: "twilio", messageId: sid, country: "IN", purpose: "sign_in", channel: "sms", prefix, latencyMs: expect.any(Number) })]);
    expect(lines.join("\n")).not.toContain(phone.slice(3));
    if (currentProfile().name === "upstash") expect(String(await redisCommand(["GET", `receipt:${sid}`]))).not.toContain(phone.slice(3));
    else expect(JSON.stringify(await testEnv.DB.prepare("SELECT * FROM delivery_receipts WHERE message_id = ?1").bind(sid).all())).not.toContain(phone.slice(3));
  });

  it("HOOK-01: a forged callback is refused with 403 signature_invalid and changes nothing", async () => {
    const { phone, sid, statusCallback } = await sendCode();
    const form = statusForm(sid, phone, "failed", "30008");
    const forged: [string, Promise<Response>][] = [
      ["wrong auth token", callback(statusCallback, form, { token: "not-the-token" })],
      ["no signature", callback(statusCallback, form, { signature: null })],
      ["empty signature", callback(statusCallback, form, { signature: "" })],
      // Signed for the URL the request really went to (its Host is the caller's choice): only PUBLIC_URL counts.
      ["the request's own host", callback(statusCallback, form, { signedUrl: statusCallback.replace(PUBLIC_URL, "https://auth.test") })],
      ["tag changed after signing", callback(statusCallback.replace("u=sign_in", "u=step_up"), form, { signedUrl: statusCallback })],
      ["status changed after signing", callback(statusCallback, form, { signature: await twilioSign(statusCallback, statusForm(sid, phone, "delivered")) })],
      // A genuine "delivered" callback with a "failed" put in front: the signature covers the last value, the first would be read.
      ["a parameter repeated", callback(statusCallback, statusForm(sid, phone, "delivered"), { rawBody: `MessageStatus=failed&${new URLSearchParams(statusForm(sid, phone, "delivered")).toString()}` })],
    ];
    const lines = captureLogs();
    for (const [why, pending] of forged) {
      const res = await pending;
      expect(res.status, why).toBe(403);
      await expectError(res, 403, "signature_invalid");
    }
    vi.restoreAllMocks();
    expect(await receipt(sid)).toBeNull();
    expect(statusLines(lines)).toEqual([]);
  });

  it("an undelivered message is a failure with Twilio's error code, logged once; FRAUD-04: the prefix's sends still count it", async () => {
    const { phone, sid, statusCallback } = await sendCode();
    const deps = await services({}, settings);
    const prefixOf = async (): Promise<number> => (await prefixHealth(deps, await prefixId(deps.keys, parseE164(phone)!), parseE164(phone)!.country, Date.now()))!.sends;
    const before = await prefixOf();
    const lines = captureLogs();
    expect((await callback(statusCallback, statusForm(sid, phone, "undelivered", "30003"))).status).toBe(204);
    expect((await callback(statusCallback, statusForm(sid, phone, "undelivered", "30003"))).status).toBe(204);
    vi.restoreAllMocks();
    expect(statusLines(lines)).toEqual([expect.objectContaining({ outcome: "failure", reason: "undelivered", providerCode: 30003 })]);
    expect(await receipt(sid)).toMatchObject({ state: "failed", errorCode: 30003 });
    expect(await prefixOf()).toBe(before);
  });

  it("FRAUD-04: a pumping run whose carrier reports every message undelivered still trips the conversion guard", async () => {
    // The guard: 2 sends in the hour with under half entered blocks the prefix.
    const guard = { ...settings, CONVERSION_MIN_SENDS: "2", CONVERSION_MIN_RATE: "0.5" };
    const prefix = uniquePhone().slice(0, -3);
    for (const last of ["001", "002"]) {
      const phone = prefix + last;
      expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings: guard })).status).toBe(200);
      const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__messages?to=${encodeURIComponent(phone)}`);
      const [message] = ((await res.json()) as { messages: { Sid: string; StatusCallback: string }[] }).messages;
      // Receipts are the terminating carrier's word: in pumping, that carrier is in on it.
      expect((await callback(message!.StatusCallback, statusForm(message!.Sid, phone, "undelivered", "30003"), { settings: guard })).status).toBe(204);
    }
    await expectError(await call("/auth/request-otp", { body: { phone: `${prefix}003` }, ip: uniqueIp(), settings: guard }), 429, "rate_limited");
  });

  it("a receipt whose signed send time is older than the 3 days receipts are kept is a replay: 204, nothing stored or logged", async () => {
    const { phone, sid, statusCallback } = await sendCode();
    const url = new URL(statusCallback);
    url.searchParams.set("t", String(Date.now() - 3 * 86_400_000 - 60_000));
    const lines = captureLogs();
    expect((await callback(url.toString(), statusForm(sid, phone, "delivered"))).status).toBe(204);
    vi.restoreAllMocks();
    expect(await receipt(sid)).toBeNull();
    expect(statusLines(lines)).toEqual([]);
    // A fresh one is kept for 3 days.
    expect((await callback(statusCallback, statusForm(sid, phone, "delivered"))).status).toBe(204);
    const ttl = currentProfile().name === "upstash" ? Number(await redisCommand(["PTTL", `receipt:${sid}`])) : Number((await testEnv.DB.prepare("SELECT expires_at FROM delivery_receipts WHERE message_id = ?1").bind(sid).first<{ expires_at: number }>())!.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(3 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(3 * 86_400_000);
  });

  it("a voice call's final status (no-answer) is recorded the same way", async () => {
    const phone = uniquePhone();
    const voice = { ...settings, VOICE_COUNTRIES_ALLOW: "IN" };
    expect((await call("/auth/request-otp", { body: { phone, channel: "voice" }, ip: uniqueIp(), settings: voice })).status).toBe(200);
    const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__calls?to=${encodeURIComponent(phone)}`);
    const [placed] = ((await res.json()) as { calls: { Sid: string; StatusCallback: string }[] }).calls;
    expect(new URL(placed!.StatusCallback).searchParams.get("ch")).toBe("voice");
    const form = { AccountSid: "AC00000000000000000000000000000001", CallSid: placed!.Sid, CallStatus: "no-answer", To: phone, From: twilioSettings().TWILIO_FROM! };
    const lines = captureLogs();
    expect((await callback(placed!.StatusCallback, form)).status).toBe(204);
    vi.restoreAllMocks();
    expect(await receipt(placed!.Sid)).toMatchObject({ status: "no-answer", state: "failed" });
    expect(statusLines(lines)).toEqual([expect.objectContaining({ outcome: "failure", reason: "no-answer", channel: "voice" })]);
  });
});

describe("receipts off, and odd callbacks", () => {
  it("without PUBLIC_URL no StatusCallback is asked for, and the route is 404", async () => {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings: twilioSettings() })).status).toBe(200);
    const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__messages?to=${encodeURIComponent(phone)}`);
    expect(((await res.json()) as { messages: { StatusCallback: string | null }[] }).messages[0]!.StatusCallback).toBeNull();
    const url = `${PUBLIC_URL}/webhooks/twilio/status`;
    const form = { MessageSid: `SM${"0".repeat(32)}`, MessageStatus: "delivered" };
    await expectError(await call("/webhooks/twilio/status", { rawBody: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": await twilioSign(url, form) }, settings: twilioSettings() }), 404, "not_found");
  });

  it("a signed form that is not a message or call status is 400 invalid_request; one without a tag is recorded unattributed", async () => {
    const url = `${PUBLIC_URL}/webhooks/twilio/status`;
    await expectError(await callback(url, { Foo: "bar" }), 400, "invalid_request");
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    const lines = captureLogs();
    expect((await callback(url, { MessageSid: sid, MessageStatus: "failed", ErrorCode: "30005" })).status).toBe(204);
    vi.restoreAllMocks();
    expect(statusLines(lines)).toEqual([expect.objectContaining({ reason: "failed", providerCode: 30005, messageId: sid })]);
    expect(statusLines(lines)[0]).not.toHaveProperty("country");
  });
});
