import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "../errors";

/** Schemas shared by routes and the generated OpenAPI document. */

export const PhoneSchema = z
  .string()
  .max(32)
  .openapi({ example: "+919876543210", description: "E.164 phone number" });

export const RequestOtpBody = z.strictObject({ phone: PhoneSchema }).openapi("RequestOtpBody");

export const RequestOtpResponse = z
  .object({
    status: z.literal("sent"),
    expiresIn: z.number().int().openapi({ description: "Seconds until the code expires" }),
    resendAfter: z.number().int().openapi({ description: "Seconds before another code may be requested" }),
  })
  .openapi("RequestOtpResponse");

export const VerifyOtpBody = z
  .strictObject({
    phone: PhoneSchema,
    otp: z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "123456" }),
  })
  .openapi("VerifyOtpBody");

export const UserSchema = z
  .object({
    id: z.string(),
    isNewUser: z.boolean(),
    biometricEnabled: z.boolean(),
    pinEnabled: z.boolean(),
  })
  .openapi("User");

export const VerifyOtpResponse = z
  .object({
    token: z.string().openapi({ description: "JWT access token (EdDSA/ES256, 30 days)" }),
    expiresAt: z.iso.datetime(),
    user: UserSchema,
  })
  .openapi("VerifyOtpResponse");

export const CheckSessionResponse = z
  .object({
    valid: z.literal(true),
    user: UserSchema,
    session: z.object({ id: z.string(), createdAt: z.iso.datetime(), lastAuthAt: z.iso.datetime() }),
    stepUp: z.object({ required: z.boolean(), methods: z.array(z.string()) }),
  })
  .openapi("CheckSessionResponse");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
      message: z.string(),
      requestId: z.string(),
      attemptsRemaining: z.number().int().optional(),
    }),
  })
  .openapi("Error");

const errorContent = { "application/json": { schema: ErrorSchema } };

/** OpenAPI response entries for the given statuses, all with the error body. */
export function errorResponses(...statuses: number[]): Record<number, { description: string; content: typeof errorContent }> {
  const descriptions: Record<number, string> = {
    400: "invalid_request, invalid_phone, otp_invalid or otp_expired",
    401: "unauthorized or session_revoked",
    404: "not_found",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited or too_many_attempts (with Retry-After)",
    502: "sms_send_failed",
    503: "service_unavailable or service_misconfigured",
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: descriptions[s] ?? "error", content: errorContent }]));
}
