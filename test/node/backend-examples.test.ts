/**
 * The backend examples (examples/backend/, docs/backend.md) against the real
 * auth Worker under `wrangler dev`, with tokens from an SMS sign-in over HTTP.
 * The auth Worker also publishes two test keys in JWT_ADDITIONAL_PUBLIC_JWKS,
 * so tokens it would never issue (an old auth_time, another audience, another
 * algorithm) are signed by a key its real JWKS lists. How each example is
 * called: ./backend-examples/harness.ts.
 */
import { readFileSync } from "node:fs";
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";
import {
  authApi,
  closedPortUrl,
  expressExample,
  honoExample,
  mint as mintWith,
  checkSessionDownUrl,
  phone,
  pinFor,
  region,
  signIn,
  testKey,
  workerExample,
  WORKER_CONFIG,
  type AuthApi,
  type Call,
  type Cleanups,
  type Example,
  type TestKey,
} from "./backend-examples/harness";

const cleanups: Cleanups = [];
const examples: Example[] = [];
let authUrl = "";
let api: AuthApi;
let extraEd: TestKey;
let extraEc: TestKey;
let bindingCalls: string[];
let outboundCalls: string[];
const tokens = {} as Record<"live" | "loggedOut" | "pinUnlock", { token: string; userId: string }>;
let riskSignIn: Promise<{ token: string; userId: string }>;

const mint = (claims: JWTPayload = {}, { key = extraEd, typ = "at+jwt" }: { key?: TestKey; typ?: string } = {}) => mintWith(key, claims, typ);
const bearer = (token: string) => `Bearer ${token}`;
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

beforeAll(async () => {
  const ed = await testKey("backend-test-ed25519", "EdDSA");
  const ec = await testKey("backend-test-p256", "ES256");
  [extraEd, extraEc] = [ed.key, ec.key];
  const auth = await startWranglerDev({
    vars: {
      JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify([ed.publicJwk, ec.publicJwk]),
      // A second code for the same phone after 30 s, and a sign-in from a new device counted as risky (40 > 30).
      OTP_RESEND_COOLDOWN_SECONDS: "30",
      RISK_STEP_UP_THRESHOLD: "30",
    },
  });
  cleanups.push(() => auth.stop());
  authUrl = auth.url;
  api = authApi(auth.url);

  // The PIN user: sign in, set a PIN, unlock with it (amr ["pin"]); 30 s later a second sign-in, now risky.
  const pinPhone = phone();
  const firstSend = Date.now();
  const pinUser = await signIn(api, pinPhone);
  const pin = pinFor(pinPhone);
  expect((await api("/auth/pin", { body: { pin }, token: pinUser.token })).status).toBe(204);
  const unlocked = await api("/auth/verify-pin", { body: { pin }, token: pinUser.token });
  tokens.pinUnlock = { token: unlocked.body.token, userId: pinUser.userId };
  riskSignIn = new Promise((r) => setTimeout(r, Math.max(0, firstSend + 31_000 - Date.now()))).then(() => signIn(api, pinPhone));
  riskSignIn.catch(() => undefined); // awaited by its tests

  tokens.live = await signIn(api, phone());
  tokens.loggedOut = await signIn(api, phone());
  expect((await api("/auth/logout", { method: "POST", token: tokens.loggedOut.token })).status).toBe(204);

  const settings = { authUrl: auth.url, issuer: "edge-phone-auth", audience: "edge-phone-auth" };
  const downUrl = await closedPortUrl();
  const worker = await workerExample(auth.url, cleanups);
  ({ bindingCalls, outboundCalls } = worker);
  examples.push(honoExample(settings, downUrl), await expressExample(settings, downUrl, cleanups), worker.example);
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe.each(["hono", "express", "worker"])("examples/backend/%s", (name) => {
  const example = () => examples.find((e) => e.name === name)!;
  const call: Call = (...args) => example().call(...args);

  it("accepts a valid token: the user id from sub reaches the handler, offline and after check-session", async () => {
    const me = await call("GET", "/me", bearer(tokens.live.token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: tokens.live.userId, sessionId: decodeJwt(tokens.live.token).sid, amr: ["sms"] });
    expect(await call("POST", "/payouts", bearer(tokens.live.token))).toMatchObject({ status: 200, body: { status: "accepted", userId: tokens.live.userId } });
  });

  it("accepts a token from another key the JWKS lists (JWT_ADDITIONAL_PUBLIC_JWKS, as during a key rotation)", async () => {
    expect(await call("GET", "/me", bearer(await mint()))).toMatchObject({ status: 200, body: { userId: "u_minted" } });
  });

  it("refuses a missing, garbled or tampered token with 401", async () => {
    const [header, payload, signature] = tokens.live.token.split(".");
    const otherUser = encode({ ...decodeJwt(tokens.live.token), sub: "someone-else" });
    for (const authorization of [undefined, `Basic ${tokens.live.token}`, "Bearer not-a-jwt", "Bearer a.b.c", bearer(`${header}.${otherUser}.${signature}`), bearer(`${header}.${payload}.${signature!.slice(0, -4)}AAAA`)]) {
      const answer = await call("GET", "/me", authorization);
      expect(answer.status, String(authorization)).toBe(401);
      expect(answer.challenge).toMatch(/^Bearer realm="api"/);
    }
  });

  it("refuses alg-swapped tokens: alg none, and HS256 keyed with the signing key's public key", async () => {
    const real = decodeProtectedHeader(tokens.live.token);
    const claims = decodeJwt(tokens.live.token);
    const none = `${encode({ alg: "none", typ: "at+jwt", kid: real.kid })}.${encode(claims)}.`;
    const jwks = (await api("/.well-known/jwks.json")).body as { keys: { kid: string; x: string }[] };
    const publicKeyBytes = base64url.decode(jwks.keys.find((k) => k.kid === real.kid)!.x);
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: real.kid! }).sign(publicKeyBytes);
    for (const token of [none, hs256]) expect((await call("GET", "/me", bearer(token))).status, token.split(".")[0]).toBe(401);
  });

  it("pins the algorithm: an ES256 token from a P-256 key the JWKS also lists is refused", async () => {
    expect((await call("GET", "/me", bearer(await mint({}, { key: extraEc })))).status).toBe(401);
  });

  it("refuses (401, not 503) a token whose key id the JWKS does not list, or whose kid is listed but its key did not sign it", async () => {
    const stranger = await testKey("not-in-the-jwks", "EdDSA");
    expect((await call("GET", "/me", bearer(await mint({}, { key: stranger.key })))).status).toBe(401);
    const impostor = await testKey("backend-test-ed25519", "EdDSA");
    expect((await call("GET", "/me", bearer(await mint({}, { key: impostor.key })))).status).toBe(401);
  });

  it("refuses a token for another audience, from another issuer, or of another type", async () => {
    expect((await call("GET", "/me", bearer(await mint({ aud: "another-api" })))).status).toBe(401);
    expect((await call("GET", "/me", bearer(await mint({ iss: "someone-else" })))).status).toBe(401);
    expect((await call("GET", "/me", bearer(await mint({}, { typ: "JWT" })))).status).toBe(401);
  });

  it("refuses an expired token, with 30 s allowed for clock skew", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await call("GET", "/me", bearer(await mint({ iat: now - 700, exp: now - 10 })))).status).toBe(200);
    expect((await call("GET", "/me", bearer(await mint({ iat: now - 700, exp: now - 120 })))).status).toBe(401);
  });

  it("after logout the offline check still accepts the token (documented limitation); the check-session route refuses it", async () => {
    expect((await api("/auth/check-session", { token: tokens.loggedOut.token })).status).toBe(401);
    expect(await call("GET", "/me", bearer(tokens.loggedOut.token))).toMatchObject({ status: 200, body: { userId: tokens.loggedOut.userId } });
    expect(await call("POST", "/payouts", bearer(tokens.loggedOut.token))).toMatchObject({ status: 401, body: { error: { code: "session_revoked" } } });
  });

  it("a sensitive action refuses an auth_time older than 5 minutes (RFC 9470 challenge), before asking check-session", async () => {
    const stale = await mint({ auth_time: Math.floor(Date.now() / 1000) - 301 });
    expect((await call("GET", "/me", bearer(stale))).status).toBe(200);
    const answer = await call("POST", "/payouts", bearer(stale));
    expect(answer).toMatchObject({ status: 401, body: { error: { code: "step_up_required" } } });
    expect(answer.challenge).toBe('Bearer realm="api", error="insufficient_user_authentication", max_age=300');
    // The same token with a fresh auth_time gets past that check to check-session, which knows no such session.
    expect(await call("POST", "/payouts", bearer(await mint()))).toMatchObject({ status: 401, body: { error: { code: "session_revoked" } } });
  });

  it("a PIN unlock alone (amr [\"pin\"]) is not a fresh authentication for a sensitive action", async () => {
    const { token, userId } = tokens.pinUnlock;
    expect(await call("GET", "/me", bearer(token))).toMatchObject({ status: 200, body: { userId, amr: ["pin"] } });
    expect(await call("POST", "/payouts", bearer(token))).toMatchObject({ status: 401, body: { error: { code: "step_up_required" } } });
  });

  it("answers 503, never 401, when the auth Worker cannot be reached", async () => {
    expect(await example().down("POST", "/payouts", bearer(tokens.live.token))).toMatchObject({ status: 503, body: { error: { code: "service_unavailable" } } });
  });

  it("a risky sign-in looks fresh offline, but check-session asks for a step-up, and the sensitive action refuses it", async () => {
    const { token, userId } = await riskSignIn;
    expect((await api("/auth/check-session", { token })).body.stepUp).toMatchObject({ required: true, reason: "risk" });
    expect(await call("GET", "/me", bearer(token))).toMatchObject({ status: 200, body: { userId, amr: ["sms"] } });
    expect(await call("POST", "/payouts", bearer(token))).toMatchObject({ status: 401, body: { error: { code: "step_up_required" } } });
  }, 60_000);
});

describe.each(["hono", "express"])("examples/backend/%s with check-session out of reach", (name) => {
  it("a sensitive action answers 503 (never 401, never let through) when the keys answer but check-session does not", async () => {
    const settings = { authUrl: await checkSessionDownUrl(authUrl, cleanups), issuer: "edge-phone-auth", audience: "edge-phone-auth" };
    const example = name === "hono" ? honoExample(settings, settings.authUrl) : await expressExample(settings, settings.authUrl, cleanups);
    // The token verifies against the keys served there: offline routes work.
    expect(await example.call("GET", "/me", bearer(tokens.live.token))).toMatchObject({ status: 200 });
    expect(await example.call("POST", "/payouts", bearer(tokens.live.token))).toMatchObject({ status: 503, body: { error: { code: "service_unavailable" } } });
  });
});

describe("examples/backend/worker: the service binding", () => {
  it("its wrangler.toml binds AUTH to the edge-phone-auth service", () => {
    const config = unstable_readConfig({ config: WORKER_CONFIG }, { hideWarnings: true });
    expect(config.services).toEqual([{ binding: "AUTH", service: "edge-phone-auth" }]);
  });

  it("fetched the JWKS and check-session through the binding, and nothing else", () => {
    expect(bindingCalls).toContain("GET /.well-known/jwks.json");
    expect(bindingCalls).toContain("GET /auth/check-session");
    expect(outboundCalls).toEqual([]);
  });
});

describe("docs/backend.md", () => {
  it("each snippet is the example file's region it names", () => {
    const doc = readFileSync("docs/backend.md", "utf8");
    const snippets = [...doc.matchAll(/<!-- snippet: (\S+?)(?:#(\S+))? -->\n```\w*\n([\s\S]*?)\n```/g)];
    expect(snippets.length).toBeGreaterThanOrEqual(5);
    for (const [, file, name, code] of snippets) expect(code, `${file}#${name}`).toBe(region(file!, name));
  });

  it("the Hono and Express examples verify, judge freshness and ask check-session with the same code", () => {
    for (const name of ["verify", "fresh", "check-session"]) {
      expect(region("examples/backend/express/app.ts", name), name).toBe(region("examples/backend/hono/app.ts", name));
    }
  });
});
