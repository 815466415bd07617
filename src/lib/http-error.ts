import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AuthError, DependencyError, KeyringError, type ErrorCode } from "../errors";
import { describeError, logJson } from "./log";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; attemptsRemaining?: number };
}

/** Realm named in `WWW-Authenticate` challenges. */
export const AUTH_REALM = "edge-phone-auth";

/**
 * The RFC 6750 challenge for a 401. A request that presented a bearer token
 * (malformed, forged, expired or revoked) gets `error="invalid_token"`; one
 * that sent no bearer token at all (no header, or another scheme) gets the
 * bare challenge, as section 3.1 asks.
 */
export function bearerChallenge(authorization: string | undefined): string {
  const presented = /^\s*bearer\s+\S/i.test(authorization ?? "");
  return presented ? `Bearer realm="${AUTH_REALM}", error="invalid_token"` : `Bearer realm="${AUTH_REALM}"`;
}

/**
 * The challenge for a 401 by code: a token problem is RFC 6750's; a token
 * that is fine but not recently authenticated enough is RFC 9470's
 * `insufficient_user_authentication` with the `max_age` it needs; a failed
 * passkey or device-key proof says nothing about the token, so it gets the
 * bare challenge.
 */
function challengeFor(code: ErrorCode, authorization: string | undefined, maxAgeSeconds: number | undefined): string {
  if (code === "step_up_required") {
    const maxAge = maxAgeSeconds === undefined ? "" : `, max_age=${maxAgeSeconds}`;
    return `Bearer realm="${AUTH_REALM}", error="insufficient_user_authentication", error_description="A more recent authentication is required"${maxAge}`;
  }
  if (code === "unauthorized" || code === "session_revoked") return bearerChallenge(authorization);
  return `Bearer realm="${AUTH_REALM}"`;
}

/** The one JSON error shape every failure takes. */
export function errorResponse(c: Context, error: AuthError): Response {
  const requestId = (c.get("requestId") as string | undefined) ?? "unknown";
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId, ...error.details } };
  if (error.retryAfterSeconds !== undefined) c.header("Retry-After", String(error.retryAfterSeconds));
  if (error.status === 401) {
    const config = c.get("config") as { recentAuthSeconds: number } | undefined;
    c.header("WWW-Authenticate", challengeFor(error.code, c.req.header("authorization"), config?.recentAuthSeconds));
  }
  c.header("Cache-Control", "no-store");
  return c.json(body, error.status as 400);
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "invalid_request",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/**
 * Maps anything thrown to a public error. Internal reasons (provider codes,
 * stack traces, storage messages) go to the log only.
 */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof DependencyError) return new AuthError("service_unavailable", { retryAfterSeconds: 5, cause: err });
  if (err instanceof KeyringError) return new AuthError("service_misconfigured", { cause: err });
  if (err instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[err.status] ?? "invalid_request";
    return new AuthError(code, { cause: err });
  }
  return new AuthError("internal_error", { cause: err });
}

/** Hono onError handler. */
export function handleError(err: unknown, c: Context): Response {
  const error = toAuthError(err);
  if (error.status >= 500) {
    logJson("error", { type: "error", requestId: c.get("requestId") as string, code: error.code, ...describeError(error.cause ?? err) });
  }
  return errorResponse(c, error);
}
