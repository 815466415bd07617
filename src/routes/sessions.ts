import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listSessions, logoutAll, revokeSession } from "../domain/session-management";
import { rotateToken } from "../domain/sessions";
import { stepUpRequestOtp, stepUpVerifyOtp } from "../domain/step-up";
import { validationHook } from "../lib/validation";
import { idempotency } from "../middleware/idempotency";
import { requireJson } from "../middleware/require-json";
import { requireSession } from "../middleware/require-session";
import type { AppEnv } from "../types";
import { clientOf, sessionBody } from "./auth";
import { EXAMPLES } from "./examples";
import { commonHeaders, errorResponses, IdempotencyHeaders, jsonResponse, RequestOtpResponse, VerifyOtpResponse } from "./schemas";

const StepUpVerifyBody = z
  .strictObject({ otp: z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "123456", description: "The 6-digit code from the SMS" }) })
  .openapi("StepUpVerifyBody", { example: { otp: "123456" } });

/** Token renewal and the user's own sessions (SES-04, SES-06). */
export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const bearer = [{ bearerAuth: [] }];
const sessionErrors = { 401: ["unauthorized", "session_revoked"], 503: ["service_unavailable", "service_misconfigured"] } as const;

sessionRoutes.use("/renew", requireSession());
sessionRoutes.use("/sessions", requireSession());
sessionRoutes.use("/sessions/*", requireSession());
sessionRoutes.use("/logout-all", requireSession());

export const SessionSchema = z
  .object({
    id: z.string(),
    current: z.boolean().openapi({ description: "The session of the token that asked" }),
    createdAt: z.iso.datetime(),
    lastAuthAt: z.iso.datetime().openapi({ description: "Last sign-in or unlock (a renewal does not count)" }),
    lastSeenAt: z.iso.datetime().openapi({ description: "Last request that presented this session's token (written after the answer when the stored time is a minute or more old, and on every renewal or unlock)" }),
    amr: z.array(z.string()).openapi({ description: "RFC 8176 methods of that authentication: `sms`, `hwk`/`swk` with `user`, or `pin`", example: ["sms"] }),
    expiresAt: z.iso.datetime(),
    device: z
      .object({ browser: z.string().nullable(), os: z.string().nullable(), type: z.string().nullable(), model: z.string().nullable() })
      .nullable()
      .openapi({ description: "The User-Agent of the sign-in, summarised", example: { browser: "Safari 17", os: "iOS 17.4", type: "mobile", model: "iPhone" } }),
    risk: z
      .object({ score: z.number().int(), reasons: z.array(z.string()) })
      .nullable()
      .openapi({ description: "The OTP sign-in's risk assessment (0–100 and why: new_device, new_country, anonymiser, busy_address); null otherwise", example: { score: 40, reasons: ["new_device"] } }),
    country: z.string().nullable().openapi({ description: "Country of the sign-in request, from Cloudflare's metadata (`request.cf.country`, ISO 3166-1 alpha-2; T1 for Tor); null when unknown. Sessions created before this version show the phone number's country", example: "IN" }),
  })
  .openapi("Session");

sessionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/renew",
    operationId: "renewToken",
    tags: ["sessions"],
    security: bearer,
    summary: "A new token for this session",
    description:
      "Replaces the token: the old one gets 401 at once, and of two concurrent renewals of one token exactly one wins (SES-04). " +
      "The session keeps its absolute expiry (SESSION_TTL_SECONDS from sign-in) and its last authentication: renewing is not " +
      "re-authenticating. Any body is ignored.",
    responses: { 200: jsonResponse("Renewed", VerifyOtpResponse), ...errorResponses({ ...sessionErrors, 413: ["payload_too_large"] }) },
  }),
  async (c) => {
    const issued = await rotateToken(c.var.services, c.var.auth, null);
    return c.json(sessionBody(issued), 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sessions",
    operationId: "listSessions",
    tags: ["sessions"],
    security: bearer,
    summary: "The user's live sessions",
    description:
      "Newest first, with the one asking marked `current`. Never a token. With SESSION_IDLE_TIMEOUT_SECONDS set, a session " +
      "unused that long is gone from the list and its token gets 401 `session_revoked`.",
    responses: { 200: jsonResponse("Sessions", z.object({ sessions: z.array(SessionSchema) }).openapi("SessionList"), EXAMPLES.sessions), ...errorResponses(sessionErrors) },
  }),
  async (c) => c.json({ sessions: await listSessions(c.var.services, c.var.auth) }, 200),
);

sessionRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/sessions/{id}",
    operationId: "revokeSession",
    tags: ["sessions"],
    security: bearer,
    summary: "Revoke one of the user's sessions",
    description: "Its token gets 401 `session_revoked` at once. The current session may be revoked too (like logout).",
    request: { params: z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) }) },
    responses: {
      204: { description: "Revoked", headers: commonHeaders },
      ...errorResponses({ ...sessionErrors, 404: ["session_not_found"] }),
    },
  }),
  async (c) => {
    await revokeSession(c.var.services, c.var.auth, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/logout-all",
    operationId: "logoutAll",
    tags: ["sessions"],
    security: bearer,
    summary: "Sign out everywhere else (or everywhere)",
    description:
      "Revokes every other session of the user; with `?includeCurrent=true` this one too. Recognised devices (their `deviceToken`s) are forgotten as well, but the current session's device when it stays signed in. Any body is ignored.",
    request: { query: z.object({ includeCurrent: z.enum(["true", "false"]).optional() }) },
    responses: {
      200: jsonResponse("Revoked", z.object({ revoked: z.number().int().openapi({ description: "How many sessions ended" }) }), EXAMPLES.loggedOutAll),
      ...errorResponses({ ...sessionErrors, 400: ["invalid_request"], 413: ["payload_too_large"] }),
    },
  }),
  async (c) => {
    const revoked = await logoutAll(c.var.services, c.var.auth, c.req.valid("query").includeCurrent === "true");
    return c.json({ revoked }, 200);
  },
);

sessionRoutes.use("/step-up/*", requireSession());
sessionRoutes.use("/step-up/verify-otp", requireJson());
sessionRoutes.use("/step-up/request-otp", idempotency({ scope: (c) => `step-up:${c.var.auth.user.id}` }));

sessionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/step-up/request-otp",
    operationId: "stepUpRequestOtp",
    tags: ["sessions"],
    security: bearer,
    summary: "Send a step-up code to the account's own number",
    description:
      "For a signed-in user who must re-authenticate (401 `step_up_required`) and has no passkey or device key. The code " +
      "goes to the account's number (never one from the request), is bound to the purpose `step_up`, and counts toward the " +
      "same per-phone limits and lockout as sign-in codes (one per 60 s, 3 an hour by default); it lives OTP_TTL_SECONDS (5 minutes). " +
      "`Idempotency-Key` as on request-otp. Any body is ignored.",
    request: { headers: IdempotencyHeaders },
    responses: {
      200: jsonResponse("Code sent", RequestOtpResponse),
      ...errorResponses({
        ...sessionErrors,
        400: ["invalid_request", "phone_not_supported"],
        409: ["idempotency_key_in_use"],
        413: ["payload_too_large"],
        422: ["idempotency_key_reused"],
        429: ["rate_limited", "too_many_attempts"],
        502: ["sms_send_failed"],
      }),
    },
  }),
  async (c) => c.json(await stepUpRequestOtp(c.var.services, c.var.auth, clientOf(c)), 200),
);

sessionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/step-up/verify-otp",
    operationId: "stepUpVerifyOtp",
    tags: ["sessions"],
    security: bearer,
    summary: "Check a step-up code and unlock this session",
    description:
      "A right code replaces the token (the old one gets 401 at once) and marks the session freshly authenticated. " +
      "Wrong codes count toward the phone's lockout like sign-in codes (OTP_MAX_ATTEMPTS, 3 by default). Same answer as verify-otp.",
    request: { body: { required: true, content: { "application/json": { schema: StepUpVerifyBody } } } },
    responses: {
      200: jsonResponse("Unlocked", VerifyOtpResponse),
      ...errorResponses({
        400: ["invalid_request", "otp_invalid", "otp_expired"],
        ...sessionErrors,
        413: ["payload_too_large"],
        415: ["unsupported_media_type"],
        429: ["rate_limited", "too_many_attempts"],
      }),
    },
  }),
  async (c) => {
    const issued = await stepUpVerifyOtp(c.var.services, c.var.auth, c.req.valid("json").otp, clientOf(c));
    return c.json(sessionBody(issued), 200);
  },
);
