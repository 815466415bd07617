import { isStorableLocale } from "../lib/languages";
import { z } from "@hono/zod-openapi";
import { ERROR_CODES, type ErrorCode } from "../errors";
import { bearerChallenge } from "../lib/http-error";
import { REQUEST_ID_PATTERN } from "../middleware/request-id";

/** Schemas shared by routes and the generated OpenAPI document. */

export const EXAMPLE_PHONE = "+919876543210";
const EXAMPLE_REQUEST_ID = "5f0c6a8e-2b7d-4c1e-9a3f-0d8b7e6c5a41";

export const PhoneSchema = z
  .string()
  .max(32)
  .openapi({ example: EXAMPLE_PHONE, description: "E.164 phone number: `+`, country code, national number." });

/** The optional `Idempotency-Key` header of the routes that send an SMS (FRAUD-07; src/middleware/idempotency.ts). */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/)
    .optional()
    .openapi({
      example: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
      description:
        "A fresh random key per logical request (a UUID). A retry with the same key and body within 10 minutes gets the first " +
        "answer again (`Idempotent-Replayed: true`) and sends no second SMS; the same key with another body is 422.",
    }),
});

/** A recognised device's token from an earlier sign-in (FRAUD-05). */
const DeviceTokenSchema = z.string().max(100).optional().openapi({
  description:
    "The `deviceToken` this device got at its last sign-in. With a valid one for this phone, the device has its own send quota and " +
    "attempt counter, so strangers guessing or requesting codes for the number cannot lock it out. An unknown or expired one is ignored.",
});

export const RequestOtpBody = z
  .strictObject({
    phone: PhoneSchema,
    deviceToken: DeviceTokenSchema,
    captchaToken: z.string().min(1).max(2048).optional().openapi({
      description: "The Cloudflare Turnstile token from the widget, when the deployment has a bot check (TURNSTILE_SECRET_KEY)",
    }),
    locale: z
      .string()
      .max(64)
      .refine(isStorableLocale, "a BCP 47 language tag such as hi or pt-BR")
      .optional()
      .openapi({ description: "The language of the message (SMS_TEMPLATES, VOICE_TEMPLATES); before the Accept-Language header", example: "hi-IN" }),
    channel: z.enum(["sms", "voice"]).optional().openapi({
      description:
        "`sms` (default), or `voice`: a phone call reads the code twice. Voice is off unless the number's country is in " +
        "VOICE_COUNTRIES_ALLOW (400 `channel_not_supported`); it counts toward the same limits and budgets as SMS.",
      example: "sms",
    }),
  })
  .openapi("RequestOtpBody", { example: { phone: EXAMPLE_PHONE } });

export const RequestOtpResponse = z
  .object({
    status: z.literal("sent"),
    expiresIn: z.number().int().openapi({ description: "Seconds until the code expires" }),
    resendAfter: z.number().int().openapi({ description: "Seconds before another code may be requested" }),
  })
  .openapi("RequestOtpResponse", { example: { status: "sent", expiresIn: 300, resendAfter: 60 } });

export const VerifyOtpBody = z
  .strictObject({
    phone: PhoneSchema,
    otp: z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "123456", description: "The 6-digit code from the SMS" }),
    deviceToken: DeviceTokenSchema,
  })
  .openapi("VerifyOtpBody", { example: { phone: EXAMPLE_PHONE, otp: "123456" } });

export const UserSchema = z
  .object({
    id: z.string(),
    isNewUser: z.boolean().openapi({ description: "True when this sign-in created the account" }),
    biometricEnabled: z.boolean(),
    pinEnabled: z.boolean(),
  })
  .openapi("User");

const exampleUser = { id: "u_3kq9x2m7", isNewUser: true, biometricEnabled: false, pinEnabled: false };

export const VerifyOtpResponse = z
  .object({
    token: z.string().openapi({ description: "JWT access token (EdDSA or ES256); send it as `Authorization: Bearer <token>`" }),
    expiresAt: z.iso.datetime(),
    user: UserSchema,
    deviceToken: z.string().optional().openapi({
      description:
        "After a sign-in (verify-otp, or verify-biometric without a session): keep it on the device (secure storage, or a cookie on the web) and send it with the next request-otp and " +
        "verify-otp for this phone; it changes at every sign-in (send the newest)",
    }),
  })
  .openapi("VerifyOtpResponse", {
    example: { token: "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.e30.c2ln", expiresAt: "2026-01-31T12:00:00.000Z", user: exampleUser },
  });

export const CheckSessionResponse = z
  .object({
    valid: z.literal(true),
    user: UserSchema,
    session: z.object({ id: z.string(), createdAt: z.iso.datetime(), lastAuthAt: z.iso.datetime() }),
    stepUp: z
      .object({
        required: z.boolean(),
        methods: z.array(z.enum(["biometric", "pin", "sms"])).openapi({
          description: "How to unlock: the methods the user turned on and can use now; `sms` (POST /auth/step-up/request-otp) when a locked PIN was the only one",
        }),
        reason: z.enum(["idle", "pin_locked", "risk"]).optional().openapi({
          description:
            "`idle`: the last authentication is older than UNLOCK_AFTER_SECONDS; `pin_locked`: PIN_MAX_ATTEMPTS wrong PINs were entered and no other " +
            "unlock method is on; `risk`: the sign-in scored above RISK_STEP_UP_THRESHOLD (new device, new country, …) and has not been unlocked since",
        }),
      })
      .openapi({ description: "When required, ask the person to unlock (POST /auth/verify-biometric or /auth/verify-pin with this token) before going on" }),
  })
  .openapi("CheckSessionResponse", {
    example: {
      valid: true,
      user: { ...exampleUser, isNewUser: false },
      session: { id: "s_8d2f0a1c", createdAt: "2026-01-01T12:00:00.000Z", lastAuthAt: "2026-01-01T12:00:00.000Z" },
      stepUp: { required: false, methods: [] },
    },
  });

const ALL_CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The error envelope narrowed to `codes`; `attemptsRemaining` only where otp_invalid can occur. */
function errorSchema(codes: readonly [ErrorCode, ...ErrorCode[]]) {
  const error = z.object({
    code: z.enum(codes).openapi({ description: "Stable machine-readable code; switch on this, never on message" }),
    message: z.string().openapi({ description: "Human-readable text; may change" }),
    requestId: z.string().openapi({ description: "Same as the X-Request-Id response header" }),
  });
  const withAttempts =
    codes.includes("otp_invalid") || codes.includes("pin_invalid")
      ? error.extend({ attemptsRemaining: z.number().int().optional().openapi({ description: "With otp_invalid or pin_invalid: wrong tries left before lockout" }) })
      : error;
  const withReason = codes.includes("pin_too_weak")
    ? withAttempts.extend({ reason: z.enum(["repeated", "sequence", "common", "from_phone"]).optional().openapi({ description: "With pin_too_weak: the rule the PIN broke" }) })
    : withAttempts;
  return z.object({ error: withReason });
}

/**
 * The envelope every error takes, with every code. Each operation's
 * responses carry their own copy narrowed to the codes they can return.
 */
export const ErrorSchema = errorSchema(ALL_CODES).openapi("Error");

/** When each code is returned, for response descriptions (falls back to the message). */
const WHEN: Partial<Record<ErrorCode, string>> = {
  invalid_request: "the body or query fails its schema (wrong types, extra fields, malformed JSON)",
  invalid_phone: "not an E.164 number, or not a valid number for its country",
  captcha_required: "the deployment has a bot check (TURNSTILE_SECRET_KEY; with TURNSTILE_MODE=adaptive once the address has used half its send budget) and no `captchaToken` was sent; nothing was sent",
  captcha_invalid: "siteverify refused the `captchaToken` (unknown, expired or already used) or it was issued on another hostname or for another action; nothing was sent",
  phone_not_supported: "the number is of a kind that is never a person's phone (BLOCKED_NUMBER_TYPES: premium rate, toll free, satellite, …), its country is not served (SMS_COUNTRIES_ALLOW, SMS_COUNTRIES_DENY), or the carrier lookup found a blocked line type (LOOKUP_BLOCKED_LINE_TYPES, e.g. non-fixed VoIP); nothing was sent",
  otp_invalid: "wrong code; `attemptsRemaining` says how many tries are left",
  otp_expired: "no live code for this phone (expired, used, or never sent)",
  unauthorized: "no bearer token, or it is malformed, forged or expired",
  session_revoked: "the token is genuine but its session ended (logout, rotation, user deleted)",
  not_found: "not found",
  session_not_found: "no live session with this id belongs to the user",
  payload_too_large: "the body is over 16 KiB",
  unsupported_media_type: "the body is not declared as `application/json`",
  rate_limited: "resend cooldown, hourly per-phone cap, or per-IP limit; wait `Retry-After` seconds",
  too_many_attempts: "the phone is locked out after too many wrong codes; wait `Retry-After` seconds",
  sms_send_failed:
    "the SMS provider refused the message (its slots are given back) or could not be reached (nothing is given back; the code stays valid in case it arrives); a provider that answers late is not an error",
  service_unavailable: "a store did not answer in time; nothing was sent or accepted; retry after `Retry-After` seconds",
  service_misconfigured: "the service settings are invalid (the log says which)",
  step_up_required: "the session's last authentication is older than RECENT_AUTH_SECONDS (600 s by default): sign in again, or unlock with a passkey, device key or step-up code (a PIN unlock does not count), then retry",
  pin_too_weak: "repeated digits, an ascending or descending run, one of the most common PINs, or 4+ digits of the account's phone number; `reason` says which",
  pin_invalid: "wrong PIN; `attemptsRemaining` says how many tries are left before PIN unlock turns off",
  pin_locked: "PIN_MAX_ATTEMPTS wrong PINs (for the user, or on this session over its life): PIN unlock is off until the next sign-in by code, passkey or device key, a biometric unlock or a step-up code; the session that entered the last wrong PIN has ended",
  pin_not_set: "the account has no PIN",
  idempotency_key_reused: "the `Idempotency-Key` was used in the last 10 minutes with another body: use a new key for a new request",
  idempotency_key_in_use: "a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds to get its answer",
  challenge_invalid: "the challenge is unknown, expired (5 minutes), already used, or was issued for another ceremony, user or device",
  credential_invalid: "the registration or device-key proof failed verification (origin, RP ID, flags, key type or signature; the log says which)",
  credential_exists: "this passkey, or this device id, is already registered",
  credential_limit: "the user already has 20 passkeys and device keys",
  credential_not_found: "no credential with this id belongs to the user",
  biometric_failed: "the assertion or device signature failed verification (unknown credential, user handle, origin, RP ID, flags, counter or signature; the log says which)",
};

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503;
/** Per status, exactly the codes an operation can answer with. */
export type ErrorSpec = Partial<Record<ErrorStatus, readonly ErrorCode[]>>;

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Response header components, registered once on the app (see routes/openapi.ts). */
export const HEADER_COMPONENTS = {
  RequestId: {
    description: "The request id: the caller's X-Request-Id when well formed (1-64 of `A-Za-z0-9._-`), else a fresh one",
    required: true,
    schema: { type: "string" as const, pattern: REQUEST_ID_PATTERN.source },
    example: EXAMPLE_REQUEST_ID,
  },
  RetryAfter: {
    description: "Seconds to wait before retrying",
    schema: { type: "integer" as const, minimum: 0 },
    example: 60,
  },
  WwwAuthenticate: {
    description: `RFC 6750 challenge: \`${bearerChallenge(undefined)}\`, with \`error="invalid_token"\` when a token was sent`,
    required: true,
    schema: { type: "string" as const },
    example: bearerChallenge("Bearer x"),
  },
};

/** Headers every response carries. */
export const commonHeaders = { "X-Request-Id": headerRef("RequestId") };

/**
 * A 2xx JSON response with the common headers; `example` (src/routes/examples.ts)
 * when the schema has none of its own, or shares one with another meaning.
 */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T, example?: unknown) {
  return { description, headers: commonHeaders, content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } } };
}

function exampleError(code: ErrorCode) {
  const error: Record<string, unknown> = { code, message: ERROR_CODES[code].message, requestId: EXAMPLE_REQUEST_ID };
  if (code === "otp_invalid") error.attemptsRemaining = 2;
  return { error };
}

/**
 * OpenAPI error responses: per status, a schema whose `code` enum is exactly
 * the listed codes, one example per code, and the headers that come with it.
 * `when` overrides the default explanation of a code for this operation.
 */
export function errorResponses(spec: ErrorSpec, when: Partial<Record<ErrorCode, string>> = {}) {
  const entries = (Object.entries(spec) as [string, readonly ErrorCode[]][]).map(([statusText, codes]) => {
    const status = Number(statusText);
    const headers: Record<string, { $ref: string }> = { ...commonHeaders };
    if (status === 429 || status === 503) headers["Retry-After"] = headerRef("RetryAfter");
    if (status === 401) headers["WWW-Authenticate"] = headerRef("WwwAuthenticate");
    const description = codes.map((code) => `\`${code}\`: ${when[code] ?? WHEN[code] ?? ERROR_CODES[code].message}`).join("; ");
    const schema = errorSchema(codes as [ErrorCode, ...ErrorCode[]]);
    const examples = Object.fromEntries(codes.map((code) => [code, { value: exampleError(code) }]));
    return [status, { description, headers, content: { "application/json": { schema, examples } } }] as const;
  });
  return Object.fromEntries(entries);
}
