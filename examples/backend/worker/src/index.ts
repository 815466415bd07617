/**
 * A Cloudflare Worker API that accepts edge-phone-auth access tokens, with the
 * same rules as the Hono and Express examples (docs/backend.md), and reaches
 * the auth Worker through the AUTH service binding (wrangler.toml): both the
 * JWKS and check-session travel over it, never over the public internet.
 *
 *   GET  /me       any valid token, checked offline against the JWKS
 *   POST /payouts  a fresh authentication (auth_time within 5 minutes, not a
 *                  PIN unlock) and a live session (GET /auth/check-session)
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from "jose";

export interface Env {
  AUTH: Fetcher;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
}

interface Caller {
  userId: string; // sub
  sessionId: string; // sid
  authTime: number; // auth_time, in seconds
  amr: string[];
}

// A service binding ignores the URL's host: only the path and query reach the
// auth Worker. "auth" is a placeholder that makes the URL valid.
const AUTH_ORIGIN = "https://auth";
const FRESH_AUTH_SECONDS = 5 * 60;

// #region jwks
let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

/** One key set per isolate (bindings do not change during its life), fetched through the binding. */
function keySet(env: Env) {
  jwks ??= createRemoteJWKSet(new URL("/.well-known/jwks.json", AUTH_ORIGIN), {
    cacheMaxAge: 5 * 60_000,
    [customFetch]: (url, init) => env.AUTH.fetch(url, init),
  });
  return jwks;
}
// #endregion jwks

async function verify(token: string, env: Env): Promise<Caller> {
  const { payload } = await jwtVerify(token, keySet(env), {
    algorithms: ["EdDSA"], // ES256 if the auth Worker's JWT_PRIVATE_JWK is a P-256 key
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    typ: "at+jwt",
    clockTolerance: 30,
    requiredClaims: ["sub", "sid", "exp", "auth_time", "amr"],
  });
  const { sub, sid, auth_time: authTime, amr } = payload;
  if (typeof sub !== "string" || typeof sid !== "string" || typeof authTime !== "number" || !Array.isArray(amr)) {
    throw new errors.JWTClaimValidationFailed("unexpected claim types", payload);
  }
  return { userId: sub, sessionId: sid, authTime, amr: amr.filter((m): m is string => typeof m === "string") };
}

/** The key set could not be fetched: that says nothing about the token, and a 401 would sign the user out. */
function keysUnavailable(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true;
  return err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === "ERR_JOSE_GENERIC";
}

function isFresh(caller: Caller): boolean {
  // Not iat (a renewal keeps auth_time), and not a PIN unlock alone.
  return caller.amr.some((m) => m !== "pin") && Date.now() / 1000 - caller.authTime <= FRESH_AUTH_SECONDS;
}

// #region check-session
type SessionCheck = { live: true; stepUpRequired: boolean } | { live: false; code: string };

async function checkSession(authorization: string, env: Env): Promise<SessionCheck> {
  const res = await env.AUTH.fetch(`${AUTH_ORIGIN}/auth/check-session`, {
    headers: { authorization },
    signal: AbortSignal.timeout(3000),
  });
  if (res.status === 401) {
    const body = (await res.json()) as { error?: { code?: string } };
    return { live: false, code: body.error?.code ?? "unauthorized" };
  }
  if (res.status !== 200) throw new Error(`check-session answered ${res.status}`);
  const body = (await res.json()) as { valid: true; stepUp: { required: boolean } };
  return { live: true, stepUpRequired: body.stepUp.required };
}
// #endregion check-session

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
const refuse = (code: string, challenge = `Bearer realm="api"`) => json({ error: { code } }, 401, { "WWW-Authenticate": challenge });
const unavailable = () => json({ error: { code: "service_unavailable" } }, 503);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    const route = `${request.method} ${pathname}`;
    if (route !== "GET /me" && route !== "POST /payouts") return json({ error: { code: "not_found" } }, 404);

    // Every route: a valid token, verified offline (the JWKS is cached in the isolate).
    const authorization = request.headers.get("authorization") ?? "";
    const token = /^Bearer ([\w.-]+)$/.exec(authorization)?.[1];
    if (!token) return refuse("unauthorized");
    let caller: Caller;
    try {
      caller = await verify(token, env);
    } catch (err) {
      return keysUnavailable(err) ? unavailable() : refuse("unauthorized", `Bearer realm="api", error="invalid_token"`);
    }
    if (route === "GET /me") return json(caller);

    // POST /payouts: a recent sign-in, then a live session.
    if (!isFresh(caller)) {
      return refuse("step_up_required", `Bearer realm="api", error="insufficient_user_authentication", max_age=${FRESH_AUTH_SECONDS}`);
    }
    let check: SessionCheck;
    try {
      check = await checkSession(authorization, env);
    } catch {
      return unavailable();
    }
    if (!check.live) return refuse(check.code, `Bearer realm="api", error="invalid_token"`);
    if (check.stepUpRequired) return refuse("step_up_required", `Bearer realm="api", error="insufficient_user_authentication"`);
    return json({ status: "accepted", userId: caller.userId });
  },
} satisfies ExportedHandler<Env>;
