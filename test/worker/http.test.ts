import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call, expectError, latestCode, signIn, twilioSettings, uniqueIp, uniquePhone, wrongCode } from "./helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Methods each registered endpoint path answers, from the app's own routes. */
function registeredMethods(): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const r of createApp().routes) {
    if (r.method === "ALL") continue;
    const set = byPath.get(r.path) ?? new Set<string>();
    set.add(r.method);
    byPath.set(r.path, set);
  }
  return byPath;
}

describe("request ids", () => {
  it("a well-formed X-Request-Id (1-64 of A-Za-z0-9._-) is adopted and echoed, in the header and the error body", async () => {
    for (const id of ["abc-DEF_1.2", "x", "a".repeat(64), "7f3c2a10-0b5e-4c9d-8e21-6a4f0d9b1c77"]) {
      const res = await call("/nope", { headers: { "x-request-id": id } });
      expect(res.headers.get("x-request-id")).toBe(id);
      expect((await expectError(res, 404, "not_found")).error.requestId).toBe(id);
    }
    const ok = await call("/healthz", { headers: { "x-request-id": "probe.1" } });
    expect(ok.headers.get("x-request-id")).toBe("probe.1");
  });

  it("a malformed X-Request-Id (too long, spaces, slashes, control or non-ASCII characters, other punctuation) is replaced by a fresh id", async () => {
    const bad = ["a".repeat(65), "b".repeat(300), "has space", "slash/inside", "tab\there", "vt\u000bx", "ff\u000cx", "nel\u0085x", "%0A", "semi;colon", "equals=", "quote\"d", "a:b", "<script>"];
    const seen = new Set<string>();
    for (const id of bad) {
      const res = await call("/nope", { headers: { "x-request-id": id } });
      const echoed = res.headers.get("x-request-id")!;
      expect(echoed, JSON.stringify(id)).toMatch(UUID);
      expect((await expectError(res, 404, "not_found")).error.requestId).toBe(echoed);
      seen.add(echoed);
    }
    expect(seen.size).toBe(bad.length);
    // No header at all, or an empty one: a fresh id too.
    expect((await call("/healthz")).headers.get("x-request-id")).toMatch(UUID);
    expect((await call("/healthz", { headers: { "x-request-id": "" } })).headers.get("x-request-id")).toMatch(UUID);
  });
});

describe("Cache-Control: no-store on responses with user or session data", () => {
  it("verify-otp, check-session, logout, the dev outbox and every error are no-store; the JWKS stays cacheable", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    expect((await call("/auth/request-otp", { body: { phone }, ip })).headers.get("cache-control")).toBe("no-store");
    const outbox = await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`);
    expect(outbox.status).toBe(200);
    expect(outbox.headers.get("cache-control")).toBe("no-store");
    const code = await latestCode(phone);
    const wrong = await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("cache-control")).toBe("no-store");
    const verified = await call("/auth/verify-otp", { body: { phone, otp: code }, ip });
    expect(verified.status).toBe(200);
    expect(verified.headers.get("cache-control")).toBe("no-store");
    const { token } = (await verified.json()) as { token: string };

    const checked = await call("/auth/check-session", { token });
    expect(checked.status).toBe(200);
    expect(checked.headers.get("cache-control")).toBe("no-store");
    const out = await call("/auth/logout", { method: "POST", token });
    expect(out.status).toBe(204);
    expect(out.headers.get("cache-control")).toBe("no-store");

    for (const res of [
      await call("/auth/check-session", { token }),
      await call("/nope"),
      await call("/healthz", { method: "POST" }),
      await call("/dev/sms-outbox?phone=abc"),
      await call("/readyz", { settings: { OTP_PEPPER: undefined } }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("cache-control"), String(res.status)).toBe("no-store");
    }
    expect((await call("/.well-known/jwks.json")).headers.get("cache-control")).toBe("public, max-age=300");
  });
});

describe("WWW-Authenticate on 401 (RFC 6750)", () => {
  const bare = 'Bearer realm="edge-phone-auth"';
  const invalid = 'Bearer realm="edge-phone-auth", error="invalid_token"';

  it("no bearer token sent (no header, or another scheme): a bare Bearer challenge, no error parameter", async () => {
    for (const path of ["/auth/check-session", "/auth/logout"]) {
      const method = path === "/auth/logout" ? "POST" : "GET";
      for (const headers of [{} as Record<string, string>, { authorization: "" }, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer" }, { authorization: "Bearer   " }]) {
        const res = await call(path, { method, headers });
        await expectError(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate"), JSON.stringify(headers)).toBe(bare);
      }
    }
  });

  it('a bad, forged or revoked token: error="invalid_token"', async () => {
    for (const authorization of ["Bearer not-a-jwt", "Bearer a.b.c", "bearer abc", `Bearer ${"a".repeat(5000)}`]) {
      const res = await call("/auth/check-session", { headers: { authorization } });
      await expectError(res, 401, "unauthorized");
      expect(res.headers.get("www-authenticate")).toBe(invalid);
    }
    const { token } = await signIn();
    expect((await call("/auth/logout", { method: "POST", token })).status).toBe(204);
    for (const [path, method] of [["/auth/check-session", "GET"], ["/auth/logout", "POST"]] as const) {
      const res = await call(path, { method, token });
      await expectError(res, 401, "session_revoked");
      expect(res.headers.get("www-authenticate")).toBe(invalid);
    }
  });

  it("only 401s carry the challenge", async () => {
    const { token } = await signIn();
    expect((await call("/auth/check-session", { token })).headers.get("www-authenticate")).toBeNull();
    expect((await call("/nope")).headers.get("www-authenticate")).toBeNull();
    expect((await call("/auth/request-otp", { body: { phone: "bad" } })).headers.get("www-authenticate")).toBeNull();
  });
});

describe("405 method_not_allowed with Allow", () => {
  it("a known path with another method is 405 with Allow; examples from the README", async () => {
    const cases: [string, string, string][] = [
      ["/auth/request-otp", "GET", "POST, OPTIONS"],
      ["/auth/verify-otp", "PUT", "POST, OPTIONS"],
      ["/auth/check-session", "POST", "GET, HEAD, OPTIONS"],
      ["/auth/check-session", "DELETE", "GET, HEAD, OPTIONS"],
      ["/auth/logout", "GET", "POST, OPTIONS"],
      ["/auth/logout", "DELETE", "POST, OPTIONS"],
      ["/healthz", "POST", "GET, HEAD, OPTIONS"],
      ["/openapi.json", "PATCH", "GET, HEAD, OPTIONS"],
      ["/dev/sms-outbox", "POST", "GET, HEAD, OPTIONS"],
    ];
    for (const [path, method, allow] of cases) {
      const res = await call(path, { method });
      await expectError(res, 405, "method_not_allowed");
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
  });

  it("the method check comes before authentication and body checks", async () => {
    // Without a token, GET /auth/logout would otherwise be 401; with a huge body, 413.
    await expectError(await call("/auth/logout"), 405, "method_not_allowed");
    await expectError(await call("/healthz", { method: "POST", rawBody: "x".repeat(20_000) }), 405, "method_not_allowed");
  });

  it("HEAD is allowed wherever GET is; OPTIONS (preflight) on every known path", async () => {
    const head = await call("/healthz", { method: "HEAD" });
    expect(head.status).toBe(200);
    const headPost = await call("/auth/request-otp", { method: "HEAD" });
    expect(headPost.status).toBe(405);
    expect(headPost.headers.get("allow")).toBe("POST, OPTIONS");
    expect((await call("/auth/request-otp", { method: "OPTIONS" })).status).toBe(204);
  });

  it("unknown paths stay 404 whatever the method; a disabled dev outbox is 404 too", async () => {
    for (const [path, method] of [
      ["/nope", "GET"],
      ["/nope", "POST"],
      ["/auth", "GET"],
      ["/auth/nope", "POST"],
      ["/healthz/", "POST"],
      ["/auth/request-otp/x", "GET"],
      ["/HEALTHZ", "POST"],
    ]) {
      const res = await call(path!, { method: method! });
      await expectError(res, 404, "not_found");
      expect(res.headers.get("allow")).toBeNull();
    }
    await expectError(await call("/dev/sms-outbox", { method: "POST", settings: twilioSettings() }), 404, "not_found");
  });

  it("Allow is derived from the registered routes: every path answers 405 to any other method, listing exactly its methods", async () => {
    const byPath = registeredMethods();
    expect(byPath.size).toBeGreaterThanOrEqual(8);
    for (const [path, methods] of byPath) {
      const expected = new Set([...methods, ...(methods.has("GET") ? ["HEAD"] : []), "OPTIONS"]);
      // The demo app exists only in development (elsewhere every method is 404: test/worker/docs-ui.test.ts).
      const settings = /^\/demo(\/|$)/.test(path) ? { ENVIRONMENT: "development" } : {};
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => !expected.has(m))) {
        const res = await call(path, { method, settings });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(new Set(res.headers.get("allow")!.split(", "))).toEqual(expected);
      }
    }
  });
});

describe("CORS", () => {
  it("a preflight allows exactly the methods the routes use, plus OPTIONS", async () => {
    const res = await call("/auth/request-otp", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
      settings: { CORS_ORIGINS: "https://app.example.com" },
    });
    expect(res.status).toBe(204);
    const allowed = new Set(res.headers.get("access-control-allow-methods")!.split(","));
    const used = new Set([...registeredMethods().values()].flatMap((s) => [...s]));
    expect(allowed).toEqual(new Set([...used, "OPTIONS"]));
    expect(allowed.has("PUT")).toBe(false);
    expect(res.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
  });
});
