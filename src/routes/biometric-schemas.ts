import { z } from "@hono/zod-openapi";

/** Schemas of the passkey and device-key routes (shapes only; signatures are checked by the domain). */

const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url");
// Line breaks and spaces are dropped first: Android's Base64.DEFAULT (one
// library's key export) wraps lines every 76 characters.
const b64 = (max: number) =>
  z
    .string()
    .max(max + 256)
    .transform((s) => s.replace(/\s+/g, ""))
    .pipe(z.string().min(1).max(max).regex(/^[A-Za-z0-9+/_-]+={0,2}$/, "must be base64 or base64url"));

export const DeviceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{8,128}$/, "must be 8-128 characters of A-Z a-z 0-9 . _ -")
  .openapi({ example: "9b2f6c1e-4d7a-4f0e-8c3b-5a6d7e8f9a0b", description: "The app's stable id for this install (e.g. a UUID kept in the keychain)" });

const ChallengeSchema = z.string().min(22).max(128).openapi({ description: "The challenge from device-challenge" });

/** WebAuthn RegistrationResponseJSON (as @simplewebauthn/browser's startRegistration returns it). */
export const RegistrationResponseSchema = z
  .looseObject({
    id: b64url(1024),
    rawId: b64url(1024),
    type: z.literal("public-key"),
    response: z.looseObject({
      clientDataJSON: b64url(4096),
      attestationObject: b64url(8192),
      transports: z.array(z.string().max(32)).max(10).optional(),
    }),
    clientExtensionResults: z.looseObject({}),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .openapi("RegistrationResponseJSON");

/** WebAuthn AuthenticationResponseJSON (as startAuthentication returns it). */
export const AuthenticationResponseSchema = z
  .looseObject({
    id: b64url(1024),
    rawId: b64url(1024),
    type: z.literal("public-key"),
    response: z.looseObject({
      clientDataJSON: b64url(4096),
      authenticatorData: b64url(4096),
      signature: b64url(1024),
      userHandle: b64url(256).optional(),
    }),
    clientExtensionResults: z.looseObject({}),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .openapi("AuthenticationResponseJSON");

const NameSchema = z.string().trim().min(1).max(64).optional().openapi({ description: "Shown in the credential list", example: "Pixel 9" });

export const EnableBiometricBody = z
  .union([
    z.strictObject({ biometricData: RegistrationResponseSchema, name: NameSchema }),
    z.strictObject({
      deviceKey: z.strictObject({
        deviceId: DeviceIdSchema,
        publicKey: b64(2048).openapi({ description: "base64 SubjectPublicKeyInfo (a bare PKCS#1 RSA key is also accepted)" }),
        algorithm: z.enum(["ES256", "RS256"]),
        name: NameSchema,
        platform: z.enum(["ios", "android"]).optional(),
      }),
      proof: z.strictObject({
        challenge: ChallengeSchema,
        signature: b64(1024).openapi({ description: "base64 signature of `edge-phone-auth:v1:enroll:{deviceId}:{challenge}` (ES256: DER)" }),
      }),
    }),
  ])
  .openapi("EnableBiometricBody");

export const EnableBiometricResponse = z
  .object({ biometricEnabled: z.literal(true), credentialId: z.string() })
  .openapi("EnableBiometricResponse", { example: { biometricEnabled: true, credentialId: "device:9b2f6c1e-4d7a-4f0e-8c3b-5a6d7e8f9a0b" } });

export const DeviceChallengeBody = z
  .strictObject({ deviceId: DeviceIdSchema, purpose: z.enum(["enroll", "unlock", "sign_in"]) })
  .openapi("DeviceChallengeBody", { example: { deviceId: "9b2f6c1e-4d7a-4f0e-8c3b-5a6d7e8f9a0b", purpose: "unlock" } });

export const DeviceChallengeResponse = z
  .object({ challenge: z.string(), expiresIn: z.number().int() })
  .openapi("DeviceChallengeResponse", { example: { challenge: "q0vYbqS4mJ3kz1C7X9f2Lw8pN5tR6uE0aD4sG1hJ2kM", expiresIn: 300 } });

export const VerifyBiometricBody = z
  .union([
    z.strictObject({ assertion: AuthenticationResponseSchema }),
    z.strictObject({
      deviceSignature: z.strictObject({
        deviceId: DeviceIdSchema,
        challenge: ChallengeSchema,
        signature: b64(1024).openapi({ description: "base64 signature of `edge-phone-auth:v1:{unlock|sign_in}:{deviceId}:{challenge}`" }),
      }),
    }),
  ])
  .openapi("VerifyBiometricBody");

/** WebAuthn options JSON, passed to the browser or platform API as is. */
export const WebAuthnOptions = z.looseObject({ challenge: z.string() }).openapi("WebAuthnOptions", {
  description: "PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON",
});

export const CredentialSchema = z
  .object({
    id: z.string(),
    type: z.enum(["passkey", "device_key"]),
    name: z.string(),
    platform: z.enum(["ios", "android", "web"]).nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    backedUp: z.boolean(),
    multiDevice: z.boolean(),
  })
  .openapi("Credential");

export const CredentialListResponse = z.object({ credentials: z.array(CredentialSchema) }).openapi("CredentialList");
