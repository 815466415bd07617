/**
 * An Express 5 backend that accepts edge-phone-auth access tokens, with the
 * same rules as the Hono example (docs/backend.md):
 *
 *   GET  /me       any valid token, checked offline against the JWKS: no call
 *                  to the auth service, so a signed-out token still passes here
 *                  until it expires
 *   POST /payouts  a sensitive action: a fresh authentication (auth_time within
 *                  5 minutes, not a PIN unlock) and a live session, asked of
 *                  GET /auth/check-session
 *
 * createApp() returns the app: `createApp(settings).listen(3000)`.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";

export interface AuthSettings {
  /** Where the auth Worker is served, e.g. "https://auth.example.com". */
  authUrl: string;
  /** Its JWT_ISSUER and JWT_AUDIENCE settings (both "edge-phone-auth" unless set). */
  issuer: string;
  audience: string;
  /** What its keys sign with: EdDSA for an Ed25519 JWT_PRIVATE_JWK (the default), ES256 for P-256. */
  algorithms?: string[];
}

/** What a handler learns from a verified token. */
export interface Caller {
  userId: string; // sub
  sessionId: string; // sid
  authTime: number; // auth_time: the session's last sign-in or unlock, in seconds
  amr: string[]; // how: ["sms"], ["hwk","user"], ["swk","user"] or ["pin"]
}

// #region verify
export function tokenVerifier(settings: AuthSettings): (token: string) => Promise<Caller> {
  // One key set per process. jose keeps it for cacheMaxAge (5 minutes, what the
  // auth Worker's Cache-Control allows) and fetches it again at once when a
  // token names a kid it does not hold (at most every 30 s), so a key added
  // by a rotation is picked up without a restart.
  const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", settings.authUrl), { cacheMaxAge: 5 * 60_000 });
  return async (token) => {
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: settings.algorithms ?? ["EdDSA"], // ours, never what the token's header asks for
      issuer: settings.issuer,
      audience: settings.audience, // a token issued for another API is not for us
      typ: "at+jwt", // an access token, not another kind of JWT
      clockTolerance: 30, // seconds of clock skew allowed on exp
      requiredClaims: ["sub", "sid", "exp", "auth_time", "amr"],
    });
    const { sub, sid, auth_time: authTime, amr } = payload;
    if (typeof sub !== "string" || typeof sid !== "string" || typeof authTime !== "number" || !Array.isArray(amr)) {
      throw new errors.JWTClaimValidationFailed("unexpected claim types", payload);
    }
    return { userId: sub, sessionId: sid, authTime, amr: amr.filter((m): m is string => typeof m === "string") };
  };
}

/** The key set could not be fetched: that says nothing about the token, and a 401 would sign the user out. */
export function keysUnavailable(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true; // fetch failed (network, DNS, timeout)
  return err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === "ERR_JOSE_GENERIC"; // no 200, not JSON
}
// #endregion verify

// #region fresh
/** How recent the last authentication must be for a sensitive action. */
export const FRESH_AUTH_SECONDS = 5 * 60;

export function isFresh(caller: Caller, nowSeconds = Date.now() / 1000): boolean {
  // Not iat: a renewal issues a new token (new iat) but keeps auth_time. And
  // not a PIN unlock alone: like the auth Worker's own sensitive routes, we
  // count a PIN as unlocking the device's session, not as signing in.
  const strongMethod = caller.amr.some((m) => m !== "pin");
  return strongMethod && nowSeconds - caller.authTime <= FRESH_AUTH_SECONDS;
}
// #endregion fresh

// #region check-session
export type SessionCheck = { live: true; stepUpRequired: boolean } | { live: false; code: string };

/** Asks the auth Worker whether the token's session is still live. Throws when it cannot tell. */
export function sessionChecker(settings: AuthSettings): (authorization: string) => Promise<SessionCheck> {
  return async (authorization) => {
    const res = await fetch(new URL("/auth/check-session", settings.authUrl), {
      headers: { authorization },
      signal: AbortSignal.timeout(3000),
    });
    if (res.status === 401) {
      // unauthorized, or session_revoked: logged out, revoked, replaced by a renewal or unlock
      const body = (await res.json()) as { error?: { code?: string } };
      return { live: false, code: body.error?.code ?? "unauthorized" };
    }
    if (res.status !== 200) throw new Error(`check-session answered ${res.status}`);
    // stepUp.required: the session must be unlocked first (idle, a risky sign-in, a locked PIN)
    const body = (await res.json()) as { valid: true; stepUp: { required: boolean } };
    return { live: true, stepUpRequired: body.stepUp.required };
  };
}
// #endregion check-session

function refuse(res: Response, code: string, challenge = `Bearer realm="api"`) {
  res.status(401).set("WWW-Authenticate", challenge).json({ error: { code } });
}

/** The caller requireToken put on res.locals. */
function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

export function createApp(settings: AuthSettings): express.Express {
  const verify = tokenVerifier(settings);
  const checkSession = sessionChecker(settings);

  // #region middleware
  /** Any valid token: verified offline, no call to the auth Worker. */
  async function requireToken(req: Request, res: Response, next: NextFunction) {
    const token = /^Bearer ([\w.-]+)$/.exec(req.get("authorization") ?? "")?.[1];
    if (!token) return refuse(res, "unauthorized");
    try {
      res.locals.caller = await verify(token);
    } catch (err) {
      if (keysUnavailable(err)) return void res.status(503).json({ error: { code: "service_unavailable" } });
      return refuse(res, "unauthorized", `Bearer realm="api", error="invalid_token"`);
    }
    next();
  }

  /** After requireToken: a recent sign-in (checked offline first, it costs nothing) and a live session. */
  async function requireFreshSession(req: Request, res: Response, next: NextFunction) {
    if (!isFresh(callerOf(res))) {
      // RFC 9470: the client signs in again or unlocks, then retries with the new token.
      return refuse(res, "step_up_required", `Bearer realm="api", error="insufficient_user_authentication", max_age=${FRESH_AUTH_SECONDS}`);
    }
    let check: SessionCheck;
    try {
      check = await checkSession(req.get("authorization")!);
    } catch {
      return void res.status(503).json({ error: { code: "service_unavailable" } }); // fail closed, but not as a 401
    }
    if (!check.live) return refuse(res, check.code, `Bearer realm="api", error="invalid_token"`);
    if (check.stepUpRequired) return refuse(res, "step_up_required", `Bearer realm="api", error="insufficient_user_authentication"`);
    next();
  }
  // #endregion middleware

  const app = express();
  app.get("/me", requireToken, (_req, res) => {
    const { userId, sessionId, authTime, amr } = callerOf(res);
    res.json({ userId, sessionId, authTime, amr });
  });
  app.post("/payouts", requireToken, requireFreshSession, (_req, res) => {
    res.json({ status: "accepted", userId: callerOf(res).userId });
  });
  return app;
}
