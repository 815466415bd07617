import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Context } from "hono";
import { spendCeremonyBudget } from "../domain/ceremony";
import { listCredentials, removeCredential } from "../domain/credentials";
import { deviceChallenge, enableDeviceKey, verifyDeviceKey } from "../domain/device-keys";
import { enablePasskey, passkeyAuthenticationOptions, passkeyRegistrationOptions, verifyPasskey, type RelyingParty } from "../domain/passkeys";
import { AuthError } from "../errors";
import { logJson } from "../lib/log";
import { validationHook } from "../lib/validation";
import { optionalSession } from "../middleware/optional-session";
import { requireJson } from "../middleware/require-json";
import { requireRecentAuth } from "../middleware/require-recent-auth";
import { requireSession } from "../middleware/require-session";
import type { AppEnv } from "../types";
import { clientOf, sessionBody } from "./auth";
import {
  CredentialListResponse,
  DeviceChallengeBody,
  DeviceChallengeResponse,
  EnableBiometricBody,
  EnableBiometricResponse,
  VerifyBiometricBody,
  WebAuthnOptions,
} from "./biometric-schemas";
import { EXAMPLES } from "./examples";
import { errorResponses, jsonResponse, VerifyOtpResponse } from "./schemas";

/**
 * The relying party for this request. Production needs WEBAUTHN_RP_ID and
 * at least one origin; development falls back to the request's own host and
 * origin, so passkeys work on `wrangler dev` with no settings.
 */
function relyingParty(c: Context<AppEnv>): RelyingParty {
  const { environment, webauthn } = c.var.config;
  const url = new URL(c.req.url);
  const local = environment !== "production";
  const rpId = webauthn.rpId ?? (local ? url.hostname : null);
  const web = webauthn.origins.length > 0 ? webauthn.origins : local ? [url.origin] : [];
  // Native iOS apps (Associated Domains) report https://<RP ID> as their origin.
  const ios = webauthn.appleAppIds.length > 0 && rpId ? [`https://${rpId}`] : [];
  const origins = [...new Set([...web, ...ios, ...webauthn.androidApps.map((a) => a.origin)])];
  if (!rpId || origins.length === 0) {
    logJson("error", { type: "config_error", requestId: c.var.requestId, problems: ["WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS (or ANDROID_APPS) are required for passkeys when ENVIRONMENT=production"] });
    throw new AuthError("service_misconfigured");
  }
  return { id: rpId, name: webauthn.rpName, origins, userName: webauthn.userName };
}

const bearer = [{ bearerAuth: [] }];
const optionalBearer: Record<string, string[]>[] = [{}, { bearerAuth: [] }];
const storeErrors = { 503: ["service_unavailable", "service_misconfigured"] } as const;
const jsonErrors = { 413: ["payload_too_large"], 415: ["unsupported_media_type"] } as const;
const sessionCodes = ["unauthorized", "session_revoked"] as const;

export const biometricRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

for (const path of ["/enable-biometric", "/device-challenge", "/verify-biometric"]) biometricRoutes.use(path, requireJson());
biometricRoutes.use("/webauthn/registration-options", requireSession(), requireRecentAuth());
biometricRoutes.use("/enable-biometric", requireSession(), requireRecentAuth());
for (const path of ["/webauthn/authentication-options", "/device-challenge", "/verify-biometric"]) biometricRoutes.use(path, optionalSession());
biometricRoutes.on("GET", "/credentials", requireSession());
biometricRoutes.on("DELETE", "/credentials/:id", requireSession(), requireRecentAuth());

biometricRoutes.openapi(
  createRoute({
    method: "post",
    path: "/webauthn/registration-options",
    operationId: "passkeyRegistrationOptions",
    tags: ["biometric"],
    security: bearer,
    summary: "Options to create a passkey",
    description:
      "For a signed-in user whose last authentication is recent (RECENT_AUTH_SECONDS, 10 minutes by default). Pass the answer to " +
      "`navigator.credentials.create` (e.g. @simplewebauthn/browser `startRegistration({ optionsJSON })`) or the platform API, " +
      "then send the result to enable-biometric within 5 minutes. Discoverable credential and user verification required; " +
      "the user's existing passkeys are excluded. Counted against the user's ceremony budget (IP_VERIFY_LIMIT per IP_WINDOW_SECONDS: " +
      "100 per 5 minutes by default). Any body is ignored.",
    responses: {
      200: jsonResponse("Creation options", WebAuthnOptions, EXAMPLES.registrationOptions),
      ...errorResponses({ 401: [...sessionCodes, "step_up_required"], 413: ["payload_too_large"], 429: ["rate_limited"], ...storeErrors }),
    },
  }),
  async (c) => {
    const rp = relyingParty(c);
    await spendCeremonyBudget(c.var.services, c.var.auth.user.id, c.var.clientIp);
    return c.json(await passkeyRegistrationOptions(c.var.services, c.var.auth, rp), 200);
  },
);

biometricRoutes.openapi(
  createRoute({
    method: "post",
    path: "/enable-biometric",
    operationId: "enableBiometric",
    tags: ["biometric"],
    security: bearer,
    summary: "Turn on biometric login: register a passkey or a device key",
    description:
      "Either `biometricData` (the passkey registration response) or `deviceKey` with a `proof`: the signature, by the device key, " +
      "of `edge-phone-auth:v1:enroll:{deviceId}:{challenge}` over a challenge from device-challenge (purpose `enroll`). " +
      "Only public keys are stored. Re-enrolling a device the user already enrolled replaces its key. At most 20 passkeys and " +
      "device keys per user (409 `credential_limit`). The challenge lives 5 minutes and works once. Needs a recent authentication.",
    request: { body: { required: true, content: { "application/json": { schema: EnableBiometricBody, examples: EXAMPLES.enableBiometric } } } },
    responses: {
      200: jsonResponse("Enabled", EnableBiometricResponse),
      ...errorResponses({
        400: ["invalid_request", "challenge_invalid", "credential_invalid"],
        401: [...sessionCodes, "step_up_required"],
        409: ["credential_exists", "credential_limit"],
        ...jsonErrors,
        ...storeErrors,
      }),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const { services, auth } = c.var;
    const { credentialId } =
      "biometricData" in body
        ? await enablePasskey(services, auth, relyingParty(c), body.biometricData as unknown as RegistrationResponseJSON, body.name)
        : await enableDeviceKey(services, auth, body.deviceKey, body.proof);
    return c.json({ biometricEnabled: true as const, credentialId }, 200);
  },
);

biometricRoutes.openapi(
  createRoute({
    method: "post",
    path: "/webauthn/authentication-options",
    operationId: "passkeyAuthenticationOptions",
    tags: ["biometric"],
    security: optionalBearer,
    summary: "Options to use a passkey: unlock a session, or sign in",
    description:
      "With a bearer token: options listing that user's passkeys, to unlock the session. Without: options for a " +
      "discoverable-credential sign-in (`allowCredentials` empty). Counted against the ceremony budget (per user with a token, " +
      "per address without; `IP_VERIFY_LIMIT` per `IP_WINDOW_SECONDS`). The challenge lives 5 minutes and works once. Any body is ignored.",
    responses: {
      200: jsonResponse("Request options", WebAuthnOptions, EXAMPLES.authenticationOptions),
      ...errorResponses({ 401: sessionCodes, 413: ["payload_too_large"], 429: ["rate_limited"], ...storeErrors }),
    },
  }),
  async (c) => {
    const auth = c.var.maybeAuth;
    const rp = relyingParty(c);
    await spendCeremonyBudget(c.var.services, auth?.user.id ?? null, c.var.clientIp);
    return c.json(await passkeyAuthenticationOptions(c.var.services, auth, rp), 200);
  },
);

biometricRoutes.openapi(
  createRoute({
    method: "post",
    path: "/device-challenge",
    operationId: "deviceChallenge",
    tags: ["biometric"],
    security: optionalBearer,
    summary: "A single-use challenge for a device key",
    description:
      "`enroll` and `unlock` need the bearer token (the challenge is bound to the user and the device); `sign_in` needs none " +
      "and is answered the same whether or not the device is enrolled. Counted against the ceremony budget (per user with a " +
      "token, per address without). Lives 5 minutes, works once.",
    request: { body: { required: true, content: { "application/json": { schema: DeviceChallengeBody } } } },
    responses: {
      200: jsonResponse("Challenge", DeviceChallengeResponse),
      ...errorResponses({ 400: ["invalid_request"], 401: sessionCodes, 429: ["rate_limited"], ...jsonErrors, ...storeErrors }),
    },
  }),
  async (c) => {
    const { deviceId, purpose } = c.req.valid("json");
    const auth = c.var.maybeAuth;
    await spendCeremonyBudget(c.var.services, auth?.user.id ?? null, c.var.clientIp);
    return c.json(await deviceChallenge(c.var.services, auth, deviceId, purpose), 200);
  },
);

biometricRoutes.openapi(
  createRoute({
    method: "post",
    path: "/verify-biometric",
    operationId: "verifyBiometric",
    tags: ["biometric"],
    security: optionalBearer,
    summary: "Unlock a session, or sign in, with a passkey or a device key",
    description:
      "`assertion` (passkey) or `deviceSignature` (signature of `edge-phone-auth:v1:{unlock|sign_in}:{deviceId}:{challenge}`). " +
      "With a bearer token: unlocks that session; the token is replaced (the old one gets 401 at once) and the session counts " +
      "as freshly authenticated. Without: signs the credential's user in with a new session. A sign counter that does not go up " +
      "is refused (sign in with a code instead). Counted against the ceremony budget. Same answer as verify-otp.",
    request: { body: { required: true, content: { "application/json": { schema: VerifyBiometricBody, examples: EXAMPLES.verifyBiometric } } } },
    responses: {
      200: jsonResponse("Unlocked or signed in", VerifyOtpResponse),
      ...errorResponses({
        400: ["invalid_request", "challenge_invalid"],
        401: [...sessionCodes, "biometric_failed"],
        429: ["rate_limited"],
        ...jsonErrors,
        ...storeErrors,
      }),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const { services } = c.var;
    const auth = c.var.maybeAuth;
    await spendCeremonyBudget(services, auth?.user.id ?? null, c.var.clientIp);
    const issued =
      "assertion" in body
        ? await verifyPasskey(services, auth, relyingParty(c), body.assertion as unknown as AuthenticationResponseJSON, clientOf(c))
        : await verifyDeviceKey(services, auth, body.deviceSignature, clientOf(c));
    return c.json(sessionBody(issued), 200);
  },
);

biometricRoutes.openapi(
  createRoute({
    method: "get",
    path: "/credentials",
    operationId: "listCredentials",
    tags: ["biometric"],
    security: bearer,
    summary: "The user's passkeys and device keys",
    description: "Names, kinds, platforms, creation and last use, backup state, at most 20. Never key material.",
    responses: { 200: jsonResponse("Credentials", CredentialListResponse, EXAMPLES.credentials), ...errorResponses({ 401: sessionCodes, ...storeErrors }) },
  }),
  async (c) => c.json({ credentials: await listCredentials(c.var.services, c.var.auth) }, 200),
);

biometricRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/credentials/{id}",
    operationId: "deleteCredential",
    tags: ["biometric"],
    security: bearer,
    summary: "Remove a passkey or device key",
    description: "Needs a recent authentication (RECENT_AUTH_SECONDS, 10 minutes by default). Removing the last one turns biometric login off (`biometricEnabled: false`).",
    request: { params: z.object({ id: z.string().min(1).max(1100).openapi({ param: { name: "id", in: "path" } }) }) },
    responses: {
      200: jsonResponse("Removed", z.object({ removed: z.literal(true), biometricEnabled: z.boolean() }), EXAMPLES.credentialRemoved),
      ...errorResponses({ 401: [...sessionCodes, "step_up_required"], 404: ["credential_not_found"], ...storeErrors }),
    },
  }),
  async (c) => {
    const { biometricEnabled } = await removeCredential(c.var.services, c.var.auth, c.req.valid("param").id);
    return c.json({ removed: true as const, biometricEnabled }, 200);
  },
);
