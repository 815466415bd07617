import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { removePin, setPin, unlockWithPin } from "../domain/pin";
import { validationHook } from "../lib/validation";
import { requireJson } from "../middleware/require-json";
import { requireRecentAuth } from "../middleware/require-recent-auth";
import { requireSession } from "../middleware/require-session";
import type { AppEnv } from "../types";
import { sessionBody } from "./auth";
import { commonHeaders, errorResponses, jsonResponse, VerifyOtpResponse } from "./schemas";

const SetPinBody = z
  .strictObject({
    pin: z.string().max(64).openapi({ example: "482916", description: "PIN_MIN_LENGTH (default 6) to 8 digits; weak PINs are refused" }),
  })
  .openapi("SetPinBody", { example: { pin: "482916" } });

const VerifyPinBody = z
  .strictObject({
    pin: z.string().regex(/^\d{4,8}$/, "must be 4 to 8 digits").openapi({ example: "482916", description: "The user's PIN" }),
  })
  .openapi("VerifyPinBody", { example: { pin: "482916" } });

/** PIN unlock (PIN-01..03): set, remove and check a PIN on top of a live session. */
export const pinRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const bearer = [{ bearerAuth: [] }];
const sessionCodes = ["unauthorized", "session_revoked"] as const;
const storeErrors = { 503: ["service_unavailable", "service_misconfigured"] } as const;
const jsonErrors = { 413: ["payload_too_large"], 415: ["unsupported_media_type"] } as const;

pinRoutes.on("POST", "/pin", requireJson(), requireSession(), requireRecentAuth());
pinRoutes.on("DELETE", "/pin", requireSession(), requireRecentAuth());
pinRoutes.use("/verify-pin", requireJson(), requireSession());

pinRoutes.openapi(
  createRoute({
    method: "post",
    path: "/pin",
    operationId: "setPin",
    tags: ["pin"],
    security: bearer,
    summary: "Set or change the PIN",
    description:
      "Needs a recent authentication (RECENT_AUTH_SECONDS) by code, passkey or device key: a PIN unlock does not count, so " +
      "whoever guessed a PIN cannot change it. Refused as `pin_too_weak` (with `reason`): repeated digits, " +
      "ascending or descending runs, the most common PINs, and any 4+ digits of the account's own phone number. Stored only " +
      "as a peppered PBKDF2-SHA-256 hash; a new PIN starts with no wrong attempts counted. PIN_MIN_LENGTH (6 by default) to 8 digits. " +
      "Counted against the user's PIN budget (IP_VERIFY_LIMIT per IP_WINDOW_SECONDS: 100 per 5 minutes by default).",
    request: { body: { required: true, content: { "application/json": { schema: SetPinBody } } } },
    responses: {
      204: { description: "PIN set", headers: commonHeaders },
      ...errorResponses({ 400: ["invalid_request", "pin_too_weak"], 401: [...sessionCodes, "step_up_required"], ...jsonErrors, 429: ["rate_limited"], ...storeErrors }),
    },
  }),
  async (c) => {
    await setPin(c.var.services, c.var.auth, c.req.valid("json").pin);
    return c.body(null, 204);
  },
);

pinRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/pin",
    operationId: "removePin",
    tags: ["pin"],
    security: bearer,
    summary: "Remove the PIN",
    description: "Needs a recent authentication (RECENT_AUTH_SECONDS) by code, passkey or device key. PIN unlock is off until a PIN is set again.",
    responses: {
      204: { description: "PIN removed", headers: commonHeaders },
      ...errorResponses({ 401: [...sessionCodes, "step_up_required"], 404: ["pin_not_set"], ...storeErrors }),
    },
  }),
  async (c) => {
    await removePin(c.var.services, c.var.auth);
    return c.body(null, 204);
  },
);

pinRoutes.openapi(
  createRoute({
    method: "post",
    path: "/verify-pin",
    operationId: "verifyPin",
    tags: ["pin"],
    security: bearer,
    summary: "Unlock this session with the PIN",
    description:
      "A PIN only unlocks the session of the token sent with it; it never signs anyone in (PIN-01). A right PIN replaces the " +
      "token (the old one gets 401 at once), marks the session freshly authenticated (amr `pin`; this does not open the routes " +
      "that need a recent authentication) and clears the wrong-PIN count. The wrong PIN that reaches PIN_MAX_ATTEMPTS (5) for " +
      "the user (even among concurrent ones), or on this session over its life, ends this session and turns PIN unlock off " +
      "(403 `pin_locked`) until the next sign-in by code, passkey or device key, a biometric unlock or a step-up code. " +
      "Counted against the user's PIN budget, as setting a PIN is. Same answer as verify-otp.",
    request: { body: { required: true, content: { "application/json": { schema: VerifyPinBody } } } },
    responses: {
      200: jsonResponse("Unlocked", VerifyOtpResponse),
      ...errorResponses({
        400: ["invalid_request", "pin_invalid"],
        401: sessionCodes,
        403: ["pin_locked"],
        404: ["pin_not_set"],
        ...jsonErrors,
        429: ["rate_limited"],
        ...storeErrors,
      }),
    },
  }),
  async (c) => {
    const issued = await unlockWithPin(c.var.services, c.var.auth, c.req.valid("json").pin);
    return c.json(sessionBody(issued), 200);
  },
);
