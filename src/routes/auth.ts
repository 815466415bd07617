import { acceptedLanguages } from "../lib/languages";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { logout, stepUpFor, type IssuedSession } from "../domain/sessions";
import { requestOtp, verifyOtp, type ClientContext } from "../domain/sign-in";
import type { UserRecord } from "../domain/ports";
import { validationHook } from "../lib/validation";
import { idempotency } from "../middleware/idempotency";
import { requireJson } from "../middleware/require-json";
import { requireSession } from "../middleware/require-session";
import { requestCountry } from "../lib/request-country";
import type { AppEnv } from "../types";
import {
  CheckSessionResponse,
  commonHeaders,
  IdempotencyHeaders,
  errorResponses,
  jsonResponse,
  RequestOtpBody,
  RequestOtpResponse,
  VerifyOtpBody,
  VerifyOtpResponse,
} from "./schemas";

/** Who is asking: the per-IP limit subject, User-Agent and Cloudflare's country of the request. */
export function clientOf(c: Context<AppEnv>): ClientContext {
  // The per-IP subject comes from the configured source only (middleware/client-ip).
  return { ip: c.var.clientIp, userAgent: c.req.header("user-agent") ?? null, country: requestCountry(c.req.raw), languages: acceptedLanguages(c.req.header("accept-language")) };
}


export function publicUser(user: UserRecord, isNewUser: boolean) {
  return { id: user.id, isNewUser, biometricEnabled: user.biometricEnabled, pinEnabled: user.pinEnabled };
}

/** The body of every answer that hands out a token (verify-otp, unlocks, renewal, step-up). */
export function sessionBody(issued: IssuedSession, isNewUser = false) {
  return {
    token: issued.token,
    expiresAt: new Date(issued.expiresAt).toISOString(),
    user: publicUser(issued.user, isNewUser),
    ...(issued.deviceToken ? { deviceToken: issued.deviceToken } : {}),
  };
}

const bearer = [{ bearerAuth: [] }];

/** A JSON body: 413 over 16 KiB, 415 unless declared as JSON. */
const jsonBodyErrors = { 413: ["payload_too_large"], 415: ["unsupported_media_type"] } as const;
const storeErrors = { 503: ["service_unavailable", "service_misconfigured"] } as const;
const sessionErrors = { 401: ["unauthorized", "session_revoked"], ...storeErrors } as const;

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

authRoutes.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "The token from verify-otp: `Authorization: Bearer <token>`",
});

authRoutes.use("/request-otp", requireJson());
authRoutes.use("/request-otp", idempotency({ scope: () => "request-otp" }));
authRoutes.use("/verify-otp", requireJson());

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/request-otp",
    operationId: "requestOtp",
    tags: ["auth"],
    security: [],
    summary: "Send a sign-in code by SMS (or voice call)",
    description:
      "Sends a 6-digit code to the phone. The answer is the same whether or not the phone has an account. " +
      "Limits (defaults; see the settings): one code per phone per OTP_RESEND_COOLDOWN_SECONDS (60 s), OTP_MAX_SENDS_PER_HOUR (3) " +
      "per phone per rolling hour, IP_SEND_LIMIT (30) per address per IP_WINDOW_SECONDS (5 minutes; per /64 for IPv6), " +
      "SMS_PREFIX_HOURLY_LIMIT (20) per number prefix per hour, and the optional country and daily SMS budgets; a phone locked " +
      "out after too many wrong codes is sent nothing. Every limit fails closed (503 when its store does not answer). The code " +
      "lives OTP_TTL_SECONDS (5 minutes). An `Idempotency-Key` retry within 10 minutes gets the first answer and sends nothing. " +
      "The answer comes once the provider has taken the message, never waiting for its delivery; when SMS_PROVIDER refuses it, " +
      "SMS_FALLBACK_PROVIDER (if set) is tried once with the same code.",
    request: { headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: RequestOtpBody } } } },
    responses: {
      200: jsonResponse("Code sent (or, for an unknown phone, the same answer)", RequestOtpResponse),
      ...errorResponses({
        400: ["invalid_request", "invalid_phone", "phone_not_supported", "channel_not_supported", "captcha_required", "captcha_invalid"],
        409: ["idempotency_key_in_use"],
        422: ["idempotency_key_reused"],
        ...jsonBodyErrors,
        429: ["rate_limited", "too_many_attempts"],
        502: ["sms_send_failed"],
        ...storeErrors,
      }),
    },
  }),
  async (c) => {
    const result = await requestOtp(c.var.services, c.req.valid("json"), clientOf(c));
    return c.json(result, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/verify-otp",
    operationId: "verifyOtp",
    tags: ["auth"],
    security: [],
    summary: "Check a code and sign in",
    description:
      "Checks the code sent to the phone and, when it matches, signs in (creating the account on first use) and " +
      "returns an access token and its server-side session (SESSION_TTL_SECONDS, 30 days by default). A code works once. " +
      "After OTP_MAX_ATTEMPTS (3) wrong codes the phone is locked out for OTP_LOCKOUT_SECONDS (15 minutes), doubling with each " +
      "lockout in a row up to 24 hours, and even the right code is refused. A verify with no live code is not counted. " +
      "IP_VERIFY_LIMIT (100) verifies per address per IP_WINDOW_SECONDS (5 minutes).",
    request: { body: { required: true, content: { "application/json": { schema: VerifyOtpBody } } } },
    responses: {
      200: jsonResponse("Signed in", VerifyOtpResponse),
      ...errorResponses(
        {
          400: ["invalid_request", "invalid_phone", "otp_invalid", "otp_expired"],
          ...jsonBodyErrors,
          429: ["rate_limited", "too_many_attempts"],
          ...storeErrors,
        },
        { rate_limited: "per-IP verify limit; wait `Retry-After` seconds" },
      ),
    },
  }),
  async (c) => {
    const signedIn = await verifyOtp(c.var.services, c.req.valid("json"), clientOf(c));
    return c.json(sessionBody(signedIn, signedIn.isNewUser), 200);
  },
);

authRoutes.use("/check-session", requireSession());
authRoutes.openapi(
  createRoute({
    method: "get",
    path: "/check-session",
    operationId: "checkSession",
    tags: ["auth"],
    security: bearer,
    summary: "Verify a token and its server-side session",
    description:
      "Checks the token's signature and expiry, then its server-side session, so a logged-out or revoked " +
      "session is refused at once even though the token itself is still well signed. `stepUp.required` turns true once the " +
      "last authentication is older than UNLOCK_AFTER_SECONDS (15 minutes by default) for a user with a passkey, device key or PIN.",
    responses: {
      200: jsonResponse("Session is live", CheckSessionResponse),
      ...errorResponses(sessionErrors),
    },
  }),
  (c) => {
    const { user, session } = c.var.auth;
    return c.json(
      {
        valid: true as const,
        user: publicUser(user, false),
        session: {
          id: session.id,
          createdAt: new Date(session.createdAt).toISOString(),
          lastAuthAt: new Date(session.lastAuthAt).toISOString(),
        },
        stepUp: stepUpFor(c.var.auth, c.var.services.now(), c.var.config.unlockAfterSeconds * 1000, c.var.config.pin.maxAttempts),
      },
      200,
    );
  },
);

authRoutes.use("/logout", requireSession());
authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/logout",
    operationId: "logout",
    tags: ["auth"],
    security: bearer,
    summary: "Revoke this session",
    description: "Ends the session the token belongs to; the token gets 401 `session_revoked` from then on. Any body is ignored (up to 16 KiB).",
    responses: {
      204: { description: "Signed out", headers: commonHeaders },
      ...errorResponses({ ...sessionErrors, 413: ["payload_too_large"] }),
    },
  }),
  async (c) => {
    await logout(c.var.services, c.var.auth);
    return c.body(null, 204);
  },
);
