import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ERROR_CODES } from "../../src/errors";
import { call, expectError, signIn, twilioSettings, uniqueIp, uniquePhone } from "./helpers";

interface Response_ {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Schema; examples?: Record<string, { value: unknown }> }>;
}
interface Schema {
  properties?: Record<string, Schema>;
  enum?: string[];
}
interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  responses: Record<string, Response_>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
}
interface Document {
  info: { license: Record<string, string> };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { example?: unknown }>; securitySchemes: Record<string, unknown> };
}

async function documentWith(settings: Record<string, unknown> = {}): Promise<Document> {
  const res = await call("/openapi.json", { settings });
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

/** Operations as `METHOD /path`, with OpenAPI's `{param}` written as Hono's `:param`. */
function operationKeys(doc: Document): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`))
    .sort();
}

/** The codes a documented response can carry, from its schema's `code` enum. */
function codesOf(response: Response_): string[] {
  return response.content!["application/json"]!.schema.properties!.error!.properties!.code!.enum!;
}

function errorTable(op: Operation): Record<string, string[]> {
  return Object.fromEntries(Object.entries(op.responses).filter(([s]) => Number(s) >= 400).map(([s, r]) => [s, codesOf(r)]));
}

/** Routes that serve pages and their files (src/routes/docs.ts, src/routes/demo.ts), sorted. */
const PAGES = ["GET /demo", "GET /demo/", "GET /demo/*", "GET /docs", "GET /docs/assets/*", "GET /docs/init.js"];

const STORE = ["service_unavailable", "service_misconfigured"];
const SESSION = ["unauthorized", "session_revoked"];

/** Exactly the error codes each operation can return, per status. */
const EXPECTED_ERRORS: Record<string, Record<string, string[]>> = {
  "POST /auth/request-otp": {
    400: ["invalid_request", "invalid_phone", "phone_not_supported", "channel_not_supported", "captcha_required", "captcha_invalid"],
    409: ["idempotency_key_in_use"],
    422: ["idempotency_key_reused"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited", "too_many_attempts"],
    502: ["sms_send_failed"],
    503: STORE,
  },
  "POST /auth/verify-otp": {
    400: ["invalid_request", "invalid_phone", "otp_invalid", "otp_expired"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited", "too_many_attempts"],
    503: STORE,
  },
  "GET /auth/check-session": { 401: ["unauthorized", "session_revoked"], 503: STORE },
  "POST /auth/logout": { 401: ["unauthorized", "session_revoked"], 413: ["payload_too_large"], 503: STORE },
  "GET /healthz": {},
  "GET /readyz": { 503: STORE },
  "GET /.well-known/jwks.json": { 503: ["service_misconfigured"] },
  "GET /openapi.json": { 503: ["service_misconfigured"] },
  "GET /dev/sms-outbox": { 400: ["invalid_phone"], 503: STORE },
  "POST /auth/webauthn/registration-options": { 401: [...SESSION, "step_up_required"], 413: ["payload_too_large"], 429: ["rate_limited"], 503: STORE },
  "POST /auth/enable-biometric": {
    400: ["invalid_request", "challenge_invalid", "credential_invalid"],
    401: [...SESSION, "step_up_required"],
    409: ["credential_exists", "credential_limit"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    503: STORE,
  },
  "POST /auth/webauthn/authentication-options": { 401: SESSION, 413: ["payload_too_large"], 429: ["rate_limited"], 503: STORE },
  "POST /auth/device-challenge": { 400: ["invalid_request"], 401: SESSION, 413: ["payload_too_large"], 415: ["unsupported_media_type"], 429: ["rate_limited"], 503: STORE },
  "POST /auth/verify-biometric": {
    400: ["invalid_request", "challenge_invalid"],
    401: [...SESSION, "biometric_failed"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited"],
    503: STORE,
  },
  "GET /auth/credentials": { 401: SESSION, 503: STORE },
  "DELETE /auth/credentials/{id}": { 401: [...SESSION, "step_up_required"], 404: ["credential_not_found"], 503: STORE },
  "POST /auth/step-up/request-otp": { 400: ["invalid_request", "phone_not_supported"], 401: SESSION, 409: ["idempotency_key_in_use"], 413: ["payload_too_large"], 422: ["idempotency_key_reused"], 429: ["rate_limited", "too_many_attempts"], 502: ["sms_send_failed"], 503: STORE },
  "POST /auth/step-up/verify-otp": {
    400: ["invalid_request", "otp_invalid", "otp_expired"],
    401: SESSION,
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited", "too_many_attempts"],
    503: STORE,
  },
  "POST /auth/renew": { 401: SESSION, 413: ["payload_too_large"], 503: STORE },
  "GET /auth/sessions": { 401: SESSION, 503: STORE },
  "GET /user": { 401: SESSION, 503: STORE },
  "POST /webhooks/twilio/voice": { 400: ["invalid_request"], 403: ["signature_invalid"], 404: ["not_found"], 413: ["payload_too_large"], 503: STORE },
  "POST /webhooks/twilio/status": { 400: ["invalid_request"], 403: ["signature_invalid"], 404: ["not_found"], 413: ["payload_too_large"], 503: STORE },
  "POST /admin/reencrypt-phones": { 401: ["unauthorized"], 404: ["not_found"], 413: ["payload_too_large"], 503: STORE },
  "POST /admin/resume-erasures": { 401: ["unauthorized"], 404: ["not_found"], 413: ["payload_too_large"], 503: STORE },
  "POST /user/phone/request-otp": {
    400: ["invalid_request", "invalid_phone", "phone_not_supported"],
    401: [...SESSION, "step_up_required"],
    409: ["idempotency_key_in_use"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    422: ["idempotency_key_reused"],
    429: ["rate_limited", "too_many_attempts"],
    502: ["sms_send_failed"],
    503: STORE,
  },
  "POST /user/phone/verify-otp": {
    400: ["invalid_request", "invalid_phone", "otp_invalid", "otp_expired"],
    401: [...SESSION, "step_up_required"],
    409: ["phone_in_use"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited", "too_many_attempts"],
    503: STORE,
  },
  "PATCH /user": { 400: ["invalid_request"], 401: SESSION, 413: ["payload_too_large"], 415: ["unsupported_media_type"], 503: STORE },
  "GET /user/activity": { 400: ["invalid_request"], 401: SESSION, 503: STORE },
  "GET /user/export": { 401: [...SESSION, "step_up_required"], 503: STORE },
  "DELETE /user": { 401: [...SESSION, "step_up_required"], 503: STORE },
  "DELETE /auth/sessions/{id}": { 401: SESSION, 404: ["session_not_found"], 503: STORE },
  "POST /auth/logout-all": { 400: ["invalid_request"], 401: SESSION, 413: ["payload_too_large"], 503: STORE },
  "POST /auth/pin": {
    400: ["invalid_request", "pin_too_weak"],
    401: [...SESSION, "step_up_required"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited"],
    503: STORE,
  },
  "DELETE /auth/pin": { 401: [...SESSION, "step_up_required"], 404: ["pin_not_set"], 503: STORE },
  "POST /auth/verify-pin": {
    400: ["invalid_request", "pin_invalid"],
    401: SESSION,
    403: ["pin_locked"],
    404: ["pin_not_set"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    429: ["rate_limited"],
    503: STORE,
  },
  "GET /.well-known/assetlinks.json": { 404: ["not_found"], 503: ["service_misconfigured"] },
  "GET /.well-known/apple-app-site-association": { 404: ["not_found"], 503: ["service_misconfigured"] },
};

describe("OpenAPI document", () => {
  it("documents every route the server answers, and nothing else (console provider: dev outbox included)", async () => {
    const doc = await documentWith();
    const routes = [...new Set(createApp().routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))].sort();
    // Exactly these are pages, not API operations (the docs UI and the demo app): served, and left out on purpose.
    expect(routes.filter((r) => PAGES.includes(r))).toEqual(PAGES);
    const served = routes.filter((r) => !PAGES.includes(r));
    expect(served.length).toBeGreaterThanOrEqual(9);
    expect(operationKeys(doc)).toEqual(served);
    expect(operationKeys(doc)).toContain("GET /dev/sms-outbox");
  });

  it("with any other SMS provider the dev outbox is neither served nor documented", async () => {
    const settings = twilioSettings();
    const doc = await documentWith(settings);
    expect(Object.keys(doc.paths)).not.toContain("/dev/sms-outbox");
    expect(operationKeys(doc)).toEqual(operationKeys(await documentWith()).filter((k) => k !== "GET /dev/sms-outbox"));
    await expectError(await call(`/dev/sms-outbox?phone=${encodeURIComponent(uniquePhone())}`, { settings }), 404, "not_found");
  });

  it("each operation lists exactly the error codes it can return, per status, each under its own status", async () => {
    const doc = await documentWith();
    const actual = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([m, op]) => [`${m.toUpperCase()} ${path}`, errorTable(op)])),
    );
    expect(actual).toEqual(EXPECTED_ERRORS);
    for (const [key, table] of Object.entries(actual)) {
      for (const [status, codes] of Object.entries(table)) {
        for (const code of codes) expect(ERROR_CODES[code as keyof typeof ERROR_CODES].status, `${key} ${code}`).toBe(Number(status));
      }
    }
  });

  it("each error response has one example per code, attemptsRemaining only where otp_invalid or pin_invalid can occur, reason only with pin_too_weak", async () => {
    const doc = await documentWith();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const media = response.content!["application/json"]!;
          const codes = codesOf(response);
          expect(Object.keys(media.examples ?? {}).sort(), `${method} ${path} ${status}`).toEqual([...codes].sort());
          const fields = media.schema.properties!.error!.properties!;
          expect("attemptsRemaining" in fields, `${method} ${path} ${status}`).toBe(codes.includes("otp_invalid") || codes.includes("pin_invalid"));
          expect("reason" in fields, `${method} ${path} ${status}`).toBe(codes.includes("pin_too_weak"));
          for (const code of codes) expect(response.description).toContain(`\`${code}\``);
        }
      }
    }
  });

  it("public operations declare security: []; session routes require the bearer scheme; unlock-or-sign-in routes take it optionally", async () => {
    const doc = await documentWith();
    expect(doc.components.securitySchemes).toHaveProperty("bearerAuth", expect.objectContaining({ type: "http", scheme: "bearer" }));
    const bearer = new Set(["/auth/check-session", "/auth/logout", "/auth/webauthn/registration-options", "/auth/enable-biometric", "/auth/credentials", "/auth/credentials/{id}", "/auth/renew", "/auth/sessions", "/auth/sessions/{id}", "/auth/logout-all", "/auth/step-up/request-otp", "/auth/step-up/verify-otp", "/auth/pin", "/auth/verify-pin", "/user", "/user/export", "/user/activity", "/user/phone/request-otp", "/user/phone/verify-otp"]);
    const optional = new Set(["/auth/webauthn/authentication-options", "/auth/device-challenge", "/auth/verify-biometric"]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const expected = path.startsWith("/admin/") ? [{ adminToken: [] }] : bearer.has(path) ? [{ bearerAuth: [] }] : optional.has(path) ? [{}, { bearerAuth: [] }] : [];
        expect(op.security, `${method} ${path}`).toEqual(expected);
      }
    }
  });

  it("servers is PUBLIC_URL when set, else the request's own origin; the license is MIT", async () => {
    const own = await documentWith();
    expect(own.servers.map((s) => s.url)).toEqual(["https://auth.test"]);
    const pub = await documentWith({ PUBLIC_URL: "https://id.example.org/" });
    expect(pub.servers.map((s) => s.url)).toEqual(["https://id.example.org"]);
    expect(own.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });

  it("request and response examples use the README values", async () => {
    const { components } = await documentWith();
    expect(components.schemas.RequestOtpBody!.example).toEqual({ phone: "+919876543210" });
    expect(components.schemas.VerifyOtpBody!.example).toEqual({ phone: "+919876543210", otp: "123456" });
    expect(components.schemas.RequestOtpResponse!.example).toEqual({ status: "sent", expiresIn: 300, resendAfter: 60 });
  });

  it("errors the server really returns are documented for their operation, with the documented headers", async () => {
    const doc = await documentWith();
    const phone = uniquePhone();
    const ip = uniqueIp();
    await call("/auth/request-otp", { body: { phone }, ip });
    const { token } = await signIn();
    await call("/auth/logout", { method: "POST", token });
    const down = { get: () => new Proxy({}, { get: () => () => Promise.reject(new Error("down")) }), idFromName: () => ({}) };
    const cases: [string, Promise<Response>][] = [
      ["POST /auth/request-otp", call("/auth/request-otp", { body: { phone: "+1" } })],
      ["POST /auth/request-otp", call("/auth/request-otp", { body: { nope: 1 } })],
      ["POST /auth/request-otp", call("/auth/request-otp", { rawBody: "{}", headers: { "content-type": "text/plain" } })],
      ["POST /auth/request-otp", call("/auth/request-otp", { rawBody: "x".repeat(17_000), headers: { "content-type": "application/json" } })],
      ["POST /auth/request-otp", call("/auth/request-otp", { body: { phone }, ip })],
      ["POST /auth/verify-otp", call("/auth/verify-otp", { body: { phone: uniquePhone(), otp: "123456" } })],
      ["GET /auth/check-session", call("/auth/check-session")],
      ["POST /auth/logout", call("/auth/logout", { method: "POST", token })],
      ["GET /readyz", call("/readyz", { settings: { PHONE_LEDGER: down } })],
      ["GET /.well-known/jwks.json", call("/.well-known/jwks.json", { settings: { JWT_PRIVATE_JWK: '{"kty":"OKP","crv":"Ed25519","kid":"k","x":"AAAA","d":"bad"}' } })],
      ["GET /dev/sms-outbox", call("/dev/sms-outbox?phone=abc")],
      ["GET /dev/sms-outbox", call("/dev/sms-outbox")],
      ["POST /auth/request-otp", call("/auth/request-otp", { body: { phone: uniquePhone(), channel: "voice" }, ip: uniqueIp() })],
      ["POST /webhooks/twilio/status", call("/webhooks/twilio/status", { rawBody: "MessageSid=SM1", headers: { "content-type": "application/x-www-form-urlencoded" } })],
      ["POST /webhooks/twilio/status", call("/webhooks/twilio/status", { rawBody: "MessageSid=SM1", headers: { "content-type": "application/x-www-form-urlencoded" }, settings: { ...twilioSettings(), PUBLIC_URL: "https://auth.example.com" } })],
    ];
    const seen = new Set<string>();
    for (const [key, pending] of cases) {
      const res = await pending;
      const body = (await res.json()) as { error: { code: string } };
      const [method, path] = key.split(" ") as [string, string];
      const documented = doc.paths[path]![method.toLowerCase()]!.responses[String(res.status)];
      expect(documented, `${key} ${res.status} ${body.error.code}`).toBeDefined();
      expect(codesOf(documented!), key).toContain(body.error.code);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      if (res.status === 429) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      if (res.status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      seen.add(`${res.status} ${body.error.code}`);
    }
    // The sample really covers the statuses it claims to.
    expect([...seen].sort()).toEqual(
      ["400 invalid_phone", "400 invalid_request", "400 channel_not_supported", "403 signature_invalid", "404 not_found", "415 unsupported_media_type", "413 payload_too_large", "429 rate_limited", "400 otp_expired", "401 unauthorized", "401 session_revoked", "503 service_unavailable", "503 service_misconfigured"].sort(),
    );
  });
});
