import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { phoneChangeRequestOtp, phoneChangeVerifyOtp } from "../domain/phone-change";
import { clientIp } from "../middleware/client-ip";
import { idempotency } from "../middleware/idempotency";
import { requireJson } from "../middleware/require-json";
import { requireRecentAuth } from "../middleware/require-recent-auth";
import { requireSession } from "../middleware/require-session";
import { validationHook } from "../lib/validation";
import type { AppEnv } from "../types";
import { clientOf } from "./auth";
import { EXAMPLES } from "./examples";
import { errorResponses, IdempotencyHeaders, jsonResponse, PhoneSchema, RequestOtpResponse } from "./schemas";

/** Changing the account's phone number (issue 11): prove the new number by code, then it moves. */
export const userPhoneRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const bearer = [{ bearerAuth: [] }];
const sessionErrors = { 401: ["unauthorized", "session_revoked", "step_up_required"], 503: ["service_unavailable", "service_misconfigured"] } as const;

userPhoneRoutes.use("/*", requireJson(), requireSession(), requireRecentAuth(), clientIp());
userPhoneRoutes.use("/request-otp", idempotency({ scope: (c) => `phone-change:${c.var.auth.user.id}` }));

const NewPhoneBody = z.strictObject({ phone: PhoneSchema }).openapi("PhoneChangeRequestBody", { example: { phone: "+919812345678" } });
const NewPhoneVerifyBody = z
  .strictObject({ phone: PhoneSchema, otp: z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "123456" }) })
  .openapi("PhoneChangeVerifyBody", { example: { phone: "+919812345678", otp: "123456" } });

userPhoneRoutes.openapi(
  createRoute({
    method: "post",
    path: "/request-otp",
    operationId: "phoneChangeRequestOtp",
    tags: ["account"],
    security: bearer,
    summary: "Send a code to the new phone number",
    description:
      "Needs a recent authentication. The code (purpose `phone_change`) goes to the new number under every limit a sign-in code has " +
      "(number policy, per-phone, per-IP, SMS budgets, line type) and at most 5 new-number codes per user per hour. Whether another " +
      "account holds the number is not said here. Idempotency-Key as on request-otp.",
    request: { headers: IdempotencyHeaders, body: { content: { "application/json": { schema: NewPhoneBody } }, required: true } },
    responses: {
      200: jsonResponse("Code sent", RequestOtpResponse),
      ...errorResponses({
        ...sessionErrors,
        400: ["invalid_request", "invalid_phone", "phone_not_supported"],
        409: ["idempotency_key_in_use"],
        413: ["payload_too_large"],
        415: ["unsupported_media_type"],
        422: ["idempotency_key_reused"],
        429: ["rate_limited", "too_many_attempts"],
        502: ["sms_send_failed"],
      }),
    },
  }),
  async (c) => c.json(await phoneChangeRequestOtp(c.var.services, c.var.auth.user, c.req.valid("json"), clientOf(c)), 200),
);

userPhoneRoutes.openapi(
  createRoute({
    method: "post",
    path: "/verify-otp",
    operationId: "phoneChangeVerifyOtp",
    tags: ["account"],
    security: bearer,
    summary: "Prove the new number and move the account to it",
    description:
      "Needs a recent authentication. With the right code the account's number becomes the new one: every other session ends, " +
      "recognised devices are forgotten, and the old number can sign up as a new person. 409 `phone_in_use` when another account holds it.",
    request: { body: { content: { "application/json": { schema: NewPhoneVerifyBody } }, required: true } },
    responses: {
      200: jsonResponse("Changed", z.object({ status: z.literal("changed"), revokedSessions: z.number().int() }).openapi("PhoneChanged"), EXAMPLES.phoneChanged),
      ...errorResponses({
        ...sessionErrors,
        400: ["invalid_request", "invalid_phone", "otp_invalid", "otp_expired"],
        409: ["phone_in_use"],
        413: ["payload_too_large"],
        415: ["unsupported_media_type"],
        429: ["rate_limited", "too_many_attempts"],
      }),
    },
  }),
  async (c) => {
    const { revokedSessions } = await phoneChangeVerifyOtp(c.var.services, c.var.auth, c.req.valid("json"), clientOf(c));
    return c.json({ status: "changed" as const, revokedSessions }, 200);
  },
);
