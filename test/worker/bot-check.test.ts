import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, captureLogs, expectError, PROFILES, testEnv, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

const SECRET = "0x4AAAAAAA-test-secret";

const turnstile = (extra: Record<string, string> = {}): Record<string, string> => ({
  TURNSTILE_SECRET_KEY: SECRET,
  TURNSTILE_HOSTNAMES: "auth.test,app.example.com",
  TURNSTILE_VERIFY_URL: `${testEnv.FAKE_TURNSTILE_URL}/turnstile/v0/siteverify`,
  ...extra,
});

/** A token as the widget would get one from Cloudflare (from the local fake). */
async function mint(opts: { hostname?: string; action?: string; secret?: string; ageSeconds?: number } = {}): Promise<string> {
  const res = await fetch(`${testEnv.FAKE_TURNSTILE_URL}/__token`, {
    method: "POST",
    body: JSON.stringify({ secret: opts.secret ?? SECRET, hostname: opts.hostname ?? "app.example.com", action: opts.action ?? "request_otp", ageSeconds: opts.ageSeconds ?? 0 }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** A random IPv6 /64 per call: per-IP counts are shared across test files in the Upstash profile. */
const freshIp = (): string => {
  const r = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${r[0]!.toString(16)}:${r[1]!.toString(16)}::1`;
};

const request = (body: Record<string, unknown>, settings: Record<string, string>, ip = freshIp()) => call("/auth/request-otp", { body, ip, settings });

describe.each(PROFILES)("Turnstile bot check ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-09: with TURNSTILE_SECRET_KEY a valid token is needed; missing, invalid, replayed, expired, wrong-hostname or wrong-action tokens send no code", async () => {
    const logs = captureLogs();
    const settings = turnstile();
    const phone = uniquePhone();
    await expectError(await request({ phone }, settings), 400, "captcha_required");
    await expectError(await request({ phone, captchaToken: "forged-token" }, settings), 400, "captcha_invalid");
    await expectError(await request({ phone, captchaToken: await mint({ hostname: "evil.example" }) }, settings), 400, "captcha_invalid");
    await expectError(await request({ phone, captchaToken: await mint({ action: "login" }) }, settings), 400, "captcha_invalid");
    await expectError(await request({ phone, captchaToken: await mint({ secret: "another-site-secret" }) }, settings), 400, "captcha_invalid");
    await expectError(await request({ phone, captchaToken: await mint({ ageSeconds: 301 }) }, settings), 400, "captcha_invalid");
    const token = await mint();
    const ok = await request({ phone, captchaToken: token }, settings);
    expect(ok.status).toBe(200);
    // Single use: the same token again is refused (for another number, so no cooldown is involved).
    await expectError(await request({ phone: uniquePhone(), captchaToken: token }, settings), 400, "captcha_invalid");
    const reasons = logs.filter((l) => l.includes('"event":"otp.requested"')).map((l) => (JSON.parse(l) as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(["captcha_missing", "captcha_invalid-input-response", "captcha_hostname", "captcha_action", "captcha_timeout-or-duplicate"]));
    // None of the refused requests took the phone's send slot: it was sent exactly one code.
    const outbox = (await (await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json()) as { messages: unknown[] };
    expect(outbox.messages).toHaveLength(1);
  });

  it("FRAUD-09: without TURNSTILE_SECRET_KEY nothing changes; siteverify out of reach fails closed (503)", async () => {
    expect((await request({ phone: uniquePhone() }, {})).status).toBe(200);
    const down = turnstile({ TURNSTILE_VERIFY_URL: `${testEnv.BLACKHOLE_URL}/siteverify`, TURNSTILE_TIMEOUT_MS: "500" });
    await expectError(await request({ phone: uniquePhone(), captchaToken: await mint() }, down), 503, "service_unavailable");
    await expectError(await request({ phone: uniquePhone() }, { TURNSTILE_SECRET_KEY: SECRET }), 503, "service_misconfigured");
  });

  it("FRAUD-09: TURNSTILE_MODE=adaptive asks for a token only once the address has used half its send budget", async () => {
    const settings = turnstile({ TURNSTILE_MODE: "adaptive", IP_SEND_LIMIT: "4" });
    const ip = freshIp();
    expect((await request({ phone: uniquePhone() }, settings, ip)).status).toBe(200);
    // The second send from this address is half of 4: from now on a token is needed.
    const phone = uniquePhone();
    await expectError(await request({ phone }, settings, ip), 400, "captcha_required");
    // That refusal gave the phone its slot back: with a token it is sent at once.
    expect((await request({ phone, captchaToken: await mint() }, settings, ip)).status).toBe(200);
    // Another address is not asked.
    expect((await request({ phone: uniquePhone() }, settings)).status).toBe(200);
  });

  it("FRAUD-09: TURNSTILE_MODE=adaptive also asks once the number's prefix has used half its hourly budget, from any address", async () => {
    const settings = turnstile({ TURNSTILE_MODE: "adaptive", SMS_PREFIX_HOURLY_LIMIT: "4", CONVERSION_MIN_SENDS: "0" });
    const base = uniquePhone().slice(0, -3);
    const [a, b, c] = ["101", "102", "103"].map((tail) => `${base}${tail}`) as [string, string, string];
    // Each from a fresh address: only the prefix sees the run.
    expect((await request({ phone: a }, settings, freshIp())).status).toBe(200);
    await expectError(await request({ phone: b }, settings, freshIp()), 400, "captcha_required");
    // The refusal gave back the prefix's unit too: with a token, b is the second send, and c still needs one.
    expect((await request({ phone: b, captchaToken: await mint() }, settings, freshIp())).status).toBe(200);
    await expectError(await request({ phone: c }, settings, freshIp()), 400, "captcha_required");
    // Another prefix is not asked.
    expect((await request({ phone: uniquePhone() }, settings, freshIp())).status).toBe(200);
  });
});
