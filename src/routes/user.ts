import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { activityView, deleteAccount, exportAccount, preferencesView, viewAccount } from "../domain/account";
import { listActivity } from "../domain/audit";
import { updatePreferences } from "../domain/preferences";
import { validationHook } from "../lib/validation";
import { requireRecentAuth } from "../middleware/require-recent-auth";
import { canonicalLocale, isStorableLocale } from "../lib/languages";
import { requireJson } from "../middleware/require-json";
import { requireSession } from "../middleware/require-session";
import type { AppEnv } from "../types";
import { CredentialSchema } from "./biometric-schemas";
import { EXAMPLES } from "./examples";
import { commonHeaders, errorResponses, jsonResponse } from "./schemas";
import { SessionSchema } from "./sessions";

/** The account endpoints (issue 11): view, export (DATA-03) and erase (DATA-02). */
export const userRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const bearer = [{ bearerAuth: [] }];
const sessionErrors = { 401: ["unauthorized", "session_revoked"], 503: ["service_unavailable", "service_misconfigured"] } as const;
const recentErrors = { ...sessionErrors, 401: [...sessionErrors[401], "step_up_required"] } as const;

userRoutes.on("PATCH", "/", requireJson());
userRoutes.use("/", requireSession());
userRoutes.on("DELETE", "/", requireRecentAuth());
userRoutes.use("/export", requireSession(), requireRecentAuth());
userRoutes.use("/activity", requireSession());

const ActivitySchema = z
  .object({
    id: z.string().openapi({ description: "Stable id of the entry (also the cursor it starts after)" }),
    at: z.iso.datetime(),
    event: z.string().openapi({ example: "otp.verified", description: "otp.verified (a sign-in by code), otp.failed, otp.locked, biometric.*, credential.removed, pin.*, session.revoked, account.exported, account.phone_changed" }),
    outcome: z.enum(["success", "failure", "denied"]),
    reason: z.string().optional(),
    purpose: z.string().optional(),
    credentialKind: z.string().optional(),
    country: z.string().optional().openapi({ description: "Country of the request (Cloudflare)" }),
    network: z.string().optional().openapi({ description: "The request's network, never the full address: IPv4 /24, IPv6 /48", example: "203.0.113.0/24" }),
  })
  .openapi("ActivityEntry");

const DeviceSchema = z
  .object({ id: z.string(), createdAt: z.iso.datetime(), lastUsedAt: z.iso.datetime(), expiresAt: z.iso.datetime() })
  .openapi("RecognisedDevice", { description: "A device the user signed in on (its deviceToken is never shown)" });

/** Printable text only: no control, format or line-separator characters (a display name is shown by passkey managers and OS dialogs). */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

/** The display name as stored: trimmed and NFC-normalised (normalising can lengthen it, so limits apply to this form). */
const storedName = (v: string): string => v.trim().normalize("NFC");

const PreferencesSchema = z
  .object({
    locale: z.string().nullable().openapi({ description: "BCP 47, canonical form", example: "en-GB" }),
    marketingConsent: z.boolean(),
    marketingConsentChangedAt: z.iso.datetime().nullable().openapi({ description: "Set by the server when the consent last changed" }),
    displayName: z.string().nullable().openapi({ description: "Shown as the passkey's display name; null: the masked phone number", example: "Asha" }),
  })
  .openapi("Preferences");

const PreferencesPatchBody = z
  .strictObject({
    locale: z
      .string()
      .max(64)
      .refine(isStorableLocale, "a BCP 47 language tag such as en-GB (at most 35 characters)")
      .nullable()
      .optional(),
    marketingConsent: z.boolean().optional(),
    displayName: z
      .string()
      .max(256)
      .refine((v) => {
        const name = storedName(v);
        return name.length > 0 && name.length <= 64 && PRINTABLE.test(name);
      }, "1 to 64 printable characters")
      .nullable()
      .optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "at least one preference")
  .openapi("PreferencesPatch", { example: { locale: "en-GB", marketingConsent: false, displayName: "Asha" } });

const AccountSchema = z
  .object({
    id: z.string(),
    phone: z.string().openapi({ description: "Masked: country code and last four digits", example: "+91 ••••• •3210" }),
    createdAt: z.iso.datetime(),
    lastLoginAt: z.iso.datetime().nullable(),
    methods: z.object({ sms: z.literal(true), biometric: z.boolean(), pin: z.boolean() }),
    credentials: z.array(CredentialSchema),
    devices: z.array(DeviceSchema),
    preferences: PreferencesSchema,
  })
  .openapi("Account");

const ExportSchema = z
  .object({
    format: z.literal("edge-phone-auth.export.v1"),
    exportedAt: z.iso.datetime(),
    user: z.object({
      id: z.string(),
      phone: z.string().openapi({ description: "The full number, E.164", example: "+919876543210" }),
      createdAt: z.iso.datetime(),
      lastLoginAt: z.iso.datetime().nullable(),
      lastSignInCountry: z.string().nullable(),
    }),
    methods: z.object({ sms: z.literal(true), biometric: z.boolean(), pin: z.object({ enabled: z.boolean(), wrongAttempts: z.number().int() }) }),
    sessions: z.array(SessionSchema),
    credentials: z.array(CredentialSchema),
    devices: z.array(DeviceSchema),
    preferences: PreferencesSchema,
    activity: z.array(ActivitySchema),
  })
  .openapi("AccountExport");

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getAccount",
    tags: ["account"],
    security: bearer,
    summary: "The signed-in user's account",
    description: "The masked phone number, creation and last sign-in, enabled methods, passkeys and device keys (never key material) and recognised devices (never their tokens).",
    responses: { 200: jsonResponse("Account", AccountSchema, EXAMPLES.account), ...errorResponses(sessionErrors) },
  }),
  async (c) => c.json(await viewAccount(c.var.services, c.var.auth), 200),
);

userRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/",
    operationId: "updatePreferences",
    tags: ["account"],
    security: bearer,
    summary: "Change the user's preferences",
    description:
      "Only the fields sent change; `null` clears `locale` or `displayName`. `marketingConsentChangedAt` is set by the server when the " +
      "consent actually changes (and the change is in the activity). Concurrent patches both land.",
    request: { body: { content: { "application/json": { schema: PreferencesPatchBody } }, required: true } },
    responses: {
      200: jsonResponse("The preferences now", PreferencesSchema, EXAMPLES.preferences),
      ...errorResponses({ ...sessionErrors, 400: ["invalid_request"], 413: ["payload_too_large"], 415: ["unsupported_media_type"] }),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const patch = {
      ...(body.locale !== undefined ? { locale: body.locale === null ? null : canonicalLocale(body.locale) } : {}),
      ...(body.marketingConsent !== undefined ? { marketingConsent: body.marketingConsent } : {}),
      ...(body.displayName !== undefined ? { displayName: body.displayName === null ? null : storedName(body.displayName) } : {}),
    };
    return c.json(preferencesView(await updatePreferences(c.var.services, c.var.auth.user.id, patch)), 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/activity",
    operationId: "listActivity",
    tags: ["account"],
    security: bearer,
    summary: "The user's own audit trail, newest first",
    description:
      "Sign-ins by method, wrong codes and PINs, lockouts, unlocks, method changes, session revocations, phone changes and exports, " +
      "including wrong codes entered for the user's number by anyone. Kept AUDIT_RETENTION_DAYS (90), at most 500 per list. " +
      "Pages of `limit` (default 20, at most 100); pass `nextCursor` back as `cursor`.",
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().regex(/^[0-9a-z]{1,12}$/, "a nextCursor value").optional(),
      }),
    },
    responses: {
      200: jsonResponse("Activity", z.object({ entries: z.array(ActivitySchema), nextCursor: z.string().nullable() }).openapi("ActivityPage"), EXAMPLES.activity),
      ...errorResponses({ ...sessionErrors, 400: ["invalid_request"] }),
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await listActivity(c.var.services, c.var.auth.user, cursor ?? null, limit);
    return c.json({ entries: page.entries.map(activityView), nextCursor: page.nextCursor }, 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/export",
    operationId: "exportAccount",
    tags: ["account"],
    security: bearer,
    summary: "Everything held about the user, as one JSON file (DATA-03)",
    description:
      "Needs a recent authentication. The profile with the full phone number, sessions, passkeys and device keys (metadata only), and " +
      "recognised devices, as an attachment (`Content-Disposition`), never cached. GDPR articles 15 and 20, CCPA right to know.",
    responses: { 200: jsonResponse("The export", ExportSchema, EXAMPLES.export), ...errorResponses(recentErrors) },
  }),
  async (c) => {
    const data = await exportAccount(c.var.services, c.var.auth);
    c.header("Content-Disposition", 'attachment; filename="account-export.json"');
    return c.json(data, 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/",
    operationId: "deleteAccount",
    tags: ["account"],
    security: bearer,
    summary: "Erase the account (DATA-02)",
    description:
      "Needs a recent authentication. Erases the user, every session, passkey and device key, the PIN, recognised devices, and the phone's " +
      "pending codes and counters. The token gets 401 at once and the phone signs up as a new user. 204 when everything is gone; 202 " +
      "`pending` when a store failed after the account was already closed: the erasure is journalled and finished in the background. " +
      "503 when the account itself could not be closed: the token still works, the recorded erasure is finished in the background, and a retry is safe.",
    responses: {
      202: jsonResponse("Closed; the rest is finished in the background", z.object({ status: z.literal("pending") }).openapi("ErasurePending"), EXAMPLES.erasurePending),
      204: { description: "Erased", headers: commonHeaders },
      ...errorResponses(recentErrors),
    },
  }),
  async (c) => {
    const outcome = await deleteAccount(c.var.services, c.var.auth);
    return outcome === "erased" ? c.body(null, 204) : c.json({ status: "pending" as const }, 202);
  },
);
