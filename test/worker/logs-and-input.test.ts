import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ERROR_CODES } from "../../src/errors";
import { call, expectError, latestCode, PROFILES, signIn, testEnv, twilioReceived, twilioScenario, useProfile, twilioSettings, uniqueIp, uniquePhone, wrongCode, captureLogs } from "./helpers";


afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(PROFILES)("logs ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("LOG-01: every auth event is one JSON line with request id, event, outcome, masked phone hash and country, and no secret", async () => {
    const lines = captureLogs();
    const settings = twilioSettings();
    const phone = uniquePhone();
    const ip = uniqueIp();
    await call("/auth/request-otp", { body: { phone }, ip, settings });
    const code = /\b(\d{6})\b/.exec((await twilioReceived(phone)).at(-1)!.Body)![1]!;
    await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip, settings });
    const ok = await call("/auth/verify-otp", { body: { phone, otp: code }, ip, settings });
    const { token } = (await ok.json()) as { token: string };
    await call("/auth/check-session", { token, settings });
    await call("/auth/logout", { method: "POST", token, settings });
    await call("/auth/check-session", { token, settings });
    const locked = uniquePhone();
    await call("/auth/request-otp", { body: { phone: locked }, ip, settings });
    for (let i = 0; i < 4; i++) await call("/auth/verify-otp", { body: { phone: locked, otp: "000000" }, ip, settings });
    // A refused request (the phone is locked out) logs otp.requested.
    await call("/auth/request-otp", { body: { phone: locked }, ip, settings });
    // An error path: the provider fails, which logs the failure with its internal reason.
    const failing = uniquePhone();
    await twilioScenario(failing, { status: 503, code: 30008 });
    await call("/auth/request-otp", { body: { phone: failing }, ip, settings });

    const events = lines.filter((l) => l.includes('"auth_event"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const names = new Set(events.map((e) => e.event));
    for (const name of ["otp.requested", "otp.sent", "otp.failed", "otp.verified", "otp.locked", "session.created", "session.revoked", "session.checked"]) {
      expect(names).toContain(name);
    }
    for (const e of events) {
      expect(typeof e.requestId).toBe("string");
      expect(["success", "failure", "denied"]).toContain(e.outcome);
      if (String(e.event).startsWith("otp.")) {
        expect(e.phone).toMatch(/^[0-9a-f]{12}…$/);
        expect(e.country).toBe("IN");
      }
    }
    const all = lines.join("\n");
    const national = phone.slice(3);
    expect(all).not.toContain(national);
    expect(all).not.toContain(locked.slice(3));
    expect(all).not.toMatch(new RegExp(`\\b${code}\\b`));
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split(".")[2]!);
    expect(all).not.toContain(failing.slice(3));
    expect(all).toContain('"event":"otp.send_failed"');
    // No configured secret appears either.
    const jwk = JSON.parse(String(testEnv.JWT_PRIVATE_JWK)) as { d: string };
    for (const secret of [String(testEnv.OTP_PEPPER), String(testEnv.PHONE_DATA_KEY), jwk.d, settings.TWILIO_AUTH_TOKEN!, testEnv.TEST_UPSTASH_TOKEN]) {
      expect(all).not.toContain(secret);
    }
    // Every line is JSON (request lines too), so log pipelines can parse them.
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });

  it("LOG-01: with the console provider only the [dev sms] line shows the code", async () => {
    const lines = captureLogs();
    const phone = uniquePhone();
    await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() });
    vi.restoreAllMocks();
    const code = await latestCode(phone);
    const leaking = lines.filter((l) => l.includes(code) || l.includes(phone.slice(3)));
    expect(leaking).toHaveLength(1);
    expect(leaking[0]).toMatch(/^\[dev sms\] /);
  });

  it("request lines follow REQUEST_LOG: status ≥ 400 by default, every request with `all`, ≥ 500 with `server-errors`", async () => {
    const down = { get: () => new Proxy({}, { get: () => () => Promise.reject(new Error("down")) }), idFromName: () => ({}) };
    const logged = async (settings: Record<string, unknown>): Promise<number[]> => {
      const lines = captureLogs();
      expect((await call("/openapi.json", { settings })).status).toBe(200);
      expect((await call("/auth/request-otp", { body: { phone: "bad" }, settings })).status).toBe(400);
      expect((await call("/readyz", { settings: { ...settings, PHONE_LEDGER: down, UPSTASH_REDIS_REST_URL: undefined } })).status).toBe(503);
      vi.restoreAllMocks();
      return lines
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { type?: string; status?: number })
        .filter((r) => r.type === "request")
        .map((r) => r.status!);
    };
    expect(await logged({})).toEqual([400, 503]);
    expect(await logged({ REQUEST_LOG: "all" })).toEqual([200, 400, 503]);
    expect(await logged({ REQUEST_LOG: "server-errors" })).toEqual([503]);
  });
});

const STABLE_CODES = new Set(Object.keys(ERROR_CODES));

/** A header's `;`-separated directives: lower-cased name → its values (split on spaces or "="). */
function directives(header: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (header ?? "").split(";")) {
    const [name, ...values] = part.trim().split(/[\s=]+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

describe.each(PROFILES)("input ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("IN-01: fuzzed bodies on every endpoint give 4xx with a stable code, never 5xx", async () => {
    const big = "9".repeat(1_000_000);
    const bodies: { raw: string; type?: string }[] = [
      ...[
        { phone: 919876543210 },
        { phone: null },
        { phone: ["+919876543210"] },
        { phone: { e164: "+919876543210" } },
        { phone: true },
        { phone: "+91987654321０" },
        { phone: "+919876543210", extra: 1 },
        { phone: "+919876543210", otp: 123456 },
        { phone: "+919876543210", otp: "12345" },
        { phone: "+919876543210", otp: "1234567" },
        { phone: "+919876543210", otp: "١٢٣٤٥٦" },
        { phone: "+919876543210", otp: null },
        { phone: `+91${big}` },
        { phone: "😀".repeat(50) },
        { __proto__: { phone: "+919876543210" } },
        {},
        [],
        null,
        "string",
        42,
      ].map((b) => ({ raw: JSON.stringify(b) })),
      { raw: "" },
      { raw: "{" },
      { raw: '{"phone":' },
      { raw: "\u0000\u0001" },
      { raw: JSON.stringify({ phone: big }) },
      { raw: "[".repeat(10_000) + "]".repeat(10_000) },
      { raw: "phone=%2B919876543210", type: "application/x-www-form-urlencoded" },
      { raw: JSON.stringify({ phone: "+919876543210" }), type: "text/plain" },
      { raw: JSON.stringify({ phone: "+919876543210" }), type: "multipart/form-data; boundary=x" },
    ];
    // Under the 16 KiB body limit, so schema validation (not the size cap) answers.
    bodies.push({ raw: JSON.stringify({ phone: "9".repeat(15_000) }) }, { raw: JSON.stringify({ phone: "+919876543210", otp: "1".repeat(15_000) }) });
    const targets = ["/auth/request-otp", "/auth/verify-otp", "/auth/logout", "/auth/check-session", "/readyz", "/nope"];
    for (const path of targets) {
      for (const { raw, type } of bodies) {
        const res = await call(path, { method: "POST", rawBody: raw, headers: { "content-type": type ?? "application/json" }, ip: uniqueIp() });
        const body = (await res.json()) as { error?: { code: string } };
        expect(res.status, `${path} ${raw.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${raw.slice(0, 40)}`).toBeLessThan(500);
        expect(STABLE_CODES.has(body.error?.code ?? "")).toBe(true);
      }
    }
    // With a valid token, logout ignores whatever body comes along: it signs
    // out once and then answers 401 (413 for an oversized body), never a 5xx.
    const { token } = await signIn();
    const statuses = new Set<number>();
    for (const { raw, type } of bodies) {
      const res = await call("/auth/logout", { method: "POST", token, rawBody: raw, headers: { "content-type": type ?? "application/json" } });
      statuses.add(res.status);
      if (res.status !== 204) expect(STABLE_CODES.has(((await res.json()) as { error: { code: string } }).error.code)).toBe(true);
    }
    expect([...statuses].sort()).toEqual([204, 401, 413]);
    for (const query of ["", "?phone=", "?phone=abc", `?phone=${big.slice(0, 5000)}`, "?phone=%2B919876543210&phone=%2B919876543211"]) {
      const res = await call(`/dev/sms-outbox${query}`);
      expect(res.status).toBeLessThan(500);
    }
    for (const auth of ["", "Bearer", "Bearer ", "Basic abc", `Bearer ${"a".repeat(100_000)}`, "Bearer a.b.c", "bearer x"]) {
      const res = await call("/auth/check-session", { headers: { authorization: auth } });
      await expectError(res, 401, "unauthorized");
    }
  });

  it("IN-02: security headers with exact values on every response: HSTS of at least a year, CSP default-src/frame-ancestors/base-uri 'none'", async () => {
    const token = (await signIn()).token;
    const responses: [string, Response][] = [
      ["healthz", await call("/healthz")],
      ["400", await call("/auth/request-otp", { body: { phone: "bad" } })],
      ["404", await call("/nope")],
      ["401", await call("/auth/check-session")],
      ["200 authenticated", await call("/auth/check-session", { token })],
      ["openapi", await call("/openapi.json")],
      ["jwks", await call("/.well-known/jwks.json")],
      ["503 misconfigured", await call("/auth/request-otp", { body: { phone: "+919876543210" }, settings: { JWT_PRIVATE_JWK: undefined } })],
      ["preflight", await call("/auth/request-otp", { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" }, settings: { CORS_ORIGINS: "https://app.example.com" } })],
    ];
    for (const [name, res] of responses) {
      const h = (header: string): string | null => res.headers.get(header);
      const hsts = directives(h("strict-transport-security"));
      expect(Number(hsts.get("max-age")?.[0]), name).toBeGreaterThanOrEqual(31_536_000);
      expect(hsts.has("includesubdomains"), name).toBe(true);
      const csp = directives(h("content-security-policy"));
      expect(csp.get("default-src"), name).toEqual(["'none'"]);
      expect(csp.get("frame-ancestors"), name).toEqual(["'none'"]);
      expect(csp.get("base-uri"), name).toEqual(["'none'"]);
      expect(
        [h("x-content-type-options"), h("x-frame-options"), h("referrer-policy"), h("cross-origin-resource-policy")],
        name,
      ).toEqual(["nosniff", "DENY", "no-referrer", "same-site"]);
    }
    // The parsers are strict enough to refuse weaker values.
    expect(Number(directives("max-age=86400; includeSubDomains").get("max-age")?.[0])).toBeLessThan(31_536_000);
    expect(directives("default-src 'self'; frame-ancestors 'none'").get("default-src")).toEqual(["'self'"]);
    expect(directives("frame-ancestors 'none'").get("default-src")).toBeUndefined();
  });

  it("IN-02: CORS answers only the configured origins, exactly; look-alike origins get no Access-Control-Allow-Origin", async () => {
    const settings = { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" };
    const preflight = (origin: string, path = "/auth/request-otp"): Promise<Response> =>
      call(path, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" }, settings });
    const simple = (origin: string): Promise<Response> =>
      call("/auth/request-otp", { body: { phone: "bad" }, headers: { origin }, settings, ip: uniqueIp() });
    const get = (origin: string): Promise<Response> => call("/healthz", { headers: { origin }, settings });

    for (const origin of ["https://app.example.com", "https://admin.example.com"]) {
      for (const res of [await preflight(origin), await simple(origin), await get(origin)]) {
        expect(res.headers.get("access-control-allow-origin")).toBe(origin);
        expect(res.headers.get("vary") ?? "").toMatch(/\borigin\b/i);
        expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      }
      const ok = await preflight(origin);
      expect(ok.status).toBeLessThan(300);
      expect(ok.headers.get("access-control-allow-methods")).toContain("POST");
    }

    const lookAlikes = [
      "https://app.example.com.evil.com",
      "https://evil-app.example.com",
      "https://sub.app.example.com",
      "https://app.example.com:8443",
      "http://app.example.com",
      "https://app.example.com/",
      "https://app.example",
      "https://app.example.co",
      "https://app.example.com, https://admin.example.com",
      "null",
      "https://evil.example.com",
    ];
    for (const origin of lookAlikes) {
      for (const [kind, res] of [["preflight", await preflight(origin)], ["simple", await simple(origin)], ["get", await get(origin)]] as const) {
        expect(res.headers.get("access-control-allow-origin"), `${kind} ${origin}`).toBeNull();
        expect(res.headers.get("access-control-allow-credentials"), `${kind} ${origin}`).toBeNull();
      }
    }
    // With no CORS_ORIGINS at all, no origin is answered.
    const none = await call("/healthz", { headers: { origin: "https://app.example.com" } });
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
    const nonePreflight = await call("/auth/request-otp", { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
    expect(nonePreflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
