import createFetchClient from "openapi-fetch";
import { AuthApiError, AuthNetworkError, errorFrom } from "./errors.js";
import type { PasskeyAuthenticator, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "./passkeys.js";
import type { components, paths } from "./schema.js";
import { memoryStorage, type TokenStorage } from "./storage.js";

type Schemas = components["schemas"];
export type SignedIn = Schemas["VerifyOtpResponse"];
export type CodeSent = Schemas["RequestOtpResponse"];
export type SessionCheck = Schemas["CheckSessionResponse"];
export type Account = Schemas["Account"];
export type Preferences = Schemas["Preferences"];
export type PreferencesPatch = Schemas["PreferencesPatch"];
export type ActivityPage = Schemas["ActivityPage"];
export type SessionList = Schemas["SessionList"];
export type CredentialList = Schemas["CredentialList"];
export type AccountExport = Schemas["AccountExport"];
export type DeviceKeyEnrolment = Extract<Schemas["EnableBiometricBody"], { deviceKey: unknown }>;
export type DevMessage = { to: string; body: string; sentAt: string };

export interface AuthClientOptions {
  /** The API's origin, e.g. `https://auth.example.com` (no trailing path). Empty string: the page's own origin. */
  baseUrl: string;
  /** Where tokens live between calls. Default: memory only. */
  storage?: TokenStorage;
  /** The fetch to use (tests, React Native polyfills); called with a Request. Default: the global one. */
  fetch?: (request: Request) => Promise<Response>;
  /** Called when the server says the session is over (401 `unauthorized` or `session_revoked`); the access token is already removed. */
  onSignedOut?: (error: AuthApiError) => void;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** A typed client for the phone sign-in API: one method per operation a browser or app calls. */
export function createAuthClient(options: AuthClientOptions) {
  const storage = options.storage ?? memoryStorage();
  const baseFetch = options.fetch ?? ((input: Request) => fetch(input));
  // The token each answer was sent with: a 401 for a token that has since been replaced must not drop its successor.
  const sentWith = new WeakMap<Response, string | null>();
  const api = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    fetch: async (request: Request) => {
      const response = await baseFetch(request);
      sentWith.set(response, /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? null);
      return response;
    },
  });

  /** Runs a call; a non-2xx answer becomes an AuthApiError, no answer an AuthNetworkError. */
  async function run<T>(send: () => Promise<Answer<T>>, session: boolean): Promise<T> {
    let answer: Answer<T>;
    try {
      answer = await send();
    } catch (err) {
      throw new AuthNetworkError(err instanceof Error ? err.message : "the request failed", { cause: err });
    }
    const { response } = answer;
    if (!response.ok) {
      const error = errorFrom(response, answer.error);
      // Only when the refused token is still the stored one: a request that raced a renewal or an unlock
      // (sent with the old token) must not sign out the session its successor belongs to.
      if (session && response.status === 401 && (error.code === "unauthorized" || error.code === "session_revoked") && (await storage.get("access")) === (sentWith.get(response) ?? null)) {
        await storage.set("access", null);
        options.onSignedOut?.(error);
      }
      throw error;
    }
    return answer.data as T;
  }

  async function bearer(): Promise<{ Authorization: string }> {
    const token = await storage.get("access");
    // No token: the server answers 401 unauthorized, as for an expired one.
    return { Authorization: `Bearer ${token ?? ""}` };
  }

  /** Keeps the tokens of a sign-in or unlock answer. */
  async function keep<T extends { token: string; deviceToken?: string }>(signedIn: T): Promise<T> {
    await storage.set("access", signedIn.token);
    if (signedIn.deviceToken) await storage.set("device", signedIn.deviceToken);
    return signedIn;
  }

  /** A fresh Idempotency-Key. React Native (Hermes) may lack randomUUID: then random bytes, else Math.random (a key only has to be unique, not secret). */
  const newKey = (): string => {
    const c = globalThis.crypto as Crypto | undefined;
    if (c?.randomUUID) return c.randomUUID();
    const bytes = new Uint8Array(16);
    if (c?.getRandomValues) c.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  return {
    storage,

    /** Sends a sign-in code. Retried once with the same Idempotency-Key if no answer came, so a flaky network never sends two paid messages. */
    async requestOtp(phone: string, extra: { captchaToken?: string; idempotencyKey?: string; locale?: string; channel?: "sms" | "voice" } = {}): Promise<CodeSent> {
      const deviceToken = (await storage.get("device")) ?? undefined;
      const body = {
        phone,
        ...(deviceToken ? { deviceToken } : {}),
        ...(extra.captchaToken ? { captchaToken: extra.captchaToken } : {}),
        // The message's language (SMS_TEMPLATES), before the Accept-Language header.
        ...(extra.locale ? { locale: extra.locale } : {}),
        // "voice": a call reads the code (VOICE_COUNTRIES_ALLOW; else 400 channel_not_supported).
        ...(extra.channel ? { channel: extra.channel } : {}),
      };
      const headers = { "Idempotency-Key": extra.idempotencyKey ?? newKey() };
      const send = () => run(() => api.POST("/auth/request-otp", { body, headers }), false);
      return send().catch((err: unknown) => (err instanceof AuthNetworkError ? send() : Promise.reject(err)));
    },

    /** Checks the code; on success keeps the access token and the device token. */
    async verifyOtp(phone: string, otp: string): Promise<SignedIn> {
      const deviceToken = (await storage.get("device")) ?? undefined;
      return keep(await run(() => api.POST("/auth/verify-otp", { body: { phone, otp, ...(deviceToken ? { deviceToken } : {}) } }), false));
    },

    /** Whether the stored token's session is alive, and whether the app must ask for a step-up (biometric, PIN or SMS) before going on. */
    async checkSession(): Promise<SessionCheck> {
      return run(async () => api.GET("/auth/check-session", { headers: await bearer() }), true);
    },

    /** A fresh token for the same session (the old one stops working at once). */
    async renew(): Promise<SignedIn> {
      return keep(await run(async () => api.POST("/auth/renew", { headers: await bearer() }), true));
    },

    /** Ends this session and forgets the access token. */
    async logout(): Promise<void> {
      await run(async () => api.POST("/auth/logout", { headers: await bearer() }), true);
      await storage.set("access", null);
    },

    sessions: {
      list: async (): Promise<SessionList> => run(async () => api.GET("/auth/sessions", { headers: await bearer() }), true),
      revoke: async (id: string): Promise<void> => run(async () => api.DELETE("/auth/sessions/{id}", { params: { path: { id } }, headers: await bearer() }), true),
      /** Ends every other session (and with `includeCurrent` this one too, forgetting its token). */
      async revokeOthers(includeCurrent = false): Promise<{ revoked: number }> {
        const result = await run(async () => api.POST("/auth/logout-all", { params: { query: includeCurrent ? { includeCurrent: "true" } : {} }, headers: await bearer() }), true);
        if (includeCurrent) await storage.set("access", null);
        return result;
      },
    },

    passkeys: {
      /** Creates a passkey for the signed-in user (needs a recent authentication) and turns biometric unlock on. */
      async register(authenticator: PasskeyAuthenticator, name?: string): Promise<Schemas["EnableBiometricResponse"]> {
        const options = await run(async () => api.POST("/auth/webauthn/registration-options", { headers: await bearer() }), true);
        const biometricData = await authenticator.create(options as unknown as PublicKeyCredentialCreationOptionsJSON);
        const body = { biometricData: biometricData as Schemas["RegistrationResponseJSON"], ...(name ? { name } : {}) };
        return run(async () => api.POST("/auth/enable-biometric", { body, headers: await bearer() }), true);
      },
      /** With a stored token: unlocks that session (token replaced). Without: a discoverable passkey sign-in. */
      async authenticate(authenticator: PasskeyAuthenticator): Promise<SignedIn> {
        const token = await storage.get("access");
        const headers = token ? await bearer() : undefined;
        const options = await run(() => api.POST("/auth/webauthn/authentication-options", headers ? { headers } : {}), token !== null);
        const assertion = await authenticator.get(options as unknown as PublicKeyCredentialRequestOptionsJSON);
        const body = { assertion: assertion as Schemas["AuthenticationResponseJSON"] };
        return keep(await run(() => api.POST("/auth/verify-biometric", headers ? { body, headers } : { body }), token !== null));
      },
    },

    deviceKeys: {
      /** A one-time challenge for a native device key (`enroll` and `unlock` need the session; `sign_in` does not). */
      async challenge(deviceId: string, purpose: "enroll" | "unlock" | "sign_in"): Promise<Schemas["DeviceChallengeResponse"]> {
        const headers = purpose === "sign_in" ? undefined : await bearer();
        return run(() => api.POST("/auth/device-challenge", { body: { deviceId, purpose }, ...(headers ? { headers } : {}) }), purpose !== "sign_in");
      },
      /** Registers a device key (public key SPKI base64url, the enrol challenge signed by it). */
      enroll: async (enrolment: DeviceKeyEnrolment): Promise<Schemas["EnableBiometricResponse"]> =>
        run(async () => api.POST("/auth/enable-biometric", { body: enrolment, headers: await bearer() }), true),
      /** Unlocks (with a stored token) or signs in (without) with a signed challenge. */
      async verify(deviceId: string, challenge: string, signature: string): Promise<SignedIn> {
        const token = await storage.get("access");
        const body = { deviceSignature: { deviceId, challenge, signature } };
        return keep(await run(async () => api.POST("/auth/verify-biometric", token ? { body, headers: await bearer() } : { body }), token !== null));
      },
    },

    credentials: {
      list: async (): Promise<CredentialList> => run(async () => api.GET("/auth/credentials", { headers: await bearer() }), true),
      remove: async (id: string): Promise<{ removed: true; biometricEnabled: boolean }> =>
        run(async () => api.DELETE("/auth/credentials/{id}", { params: { path: { id } }, headers: await bearer() }), true),
    },

    pin: {
      /** Sets or changes the PIN (needs a recent authentication). A weak PIN: AuthApiError `pin_too_weak` with `reason`. */
      set: async (pin: string): Promise<void> => run(async () => api.POST("/auth/pin", { body: { pin }, headers: await bearer() }), true),
      remove: async (): Promise<void> => run(async () => api.DELETE("/auth/pin", { headers: await bearer() }), true),
      /** Unlocks this session with the PIN (token replaced). Wrong: `pin_invalid` with `attemptsRemaining`. */
      unlock: async (pin: string): Promise<SignedIn> => keep(await run(async () => api.POST("/auth/verify-pin", { body: { pin }, headers: await bearer() }), true)),
    },

    stepUp: {
      /** Sends a code to the account's own number. */
      requestOtp: async (idempotencyKey: string = newKey()): Promise<CodeSent> =>
        run(async () => api.POST("/auth/step-up/request-otp", { headers: { ...(await bearer()), "Idempotency-Key": idempotencyKey } }), true),
      verifyOtp: async (otp: string): Promise<SignedIn> => keep(await run(async () => api.POST("/auth/step-up/verify-otp", { body: { otp }, headers: await bearer() }), true)),
    },

    user: {
      get: async (): Promise<Account> => run(async () => api.GET("/user", { headers: await bearer() }), true),
      update: async (patch: PreferencesPatch): Promise<Preferences> => run(async () => api.PATCH("/user", { body: patch, headers: await bearer() }), true),
      activity: async (page: { limit?: number; cursor?: string } = {}): Promise<ActivityPage> =>
        run(async () => api.GET("/user/activity", { params: { query: page }, headers: await bearer() }), true),
      /** Everything held about the user (needs a recent authentication). */
      export: async (): Promise<AccountExport> => run(async () => api.GET("/user/export", { headers: await bearer() }), true),
      /** Erases the account (needs a recent authentication); `pending` when part of it finishes in the background. The tokens are forgotten. */
      async delete(): Promise<{ status: "erased" | "pending" }> {
        const result = await run(async () => api.DELETE("/user", { headers: await bearer() }), true);
        await storage.set("access", null);
        await storage.set("device", null);
        return { status: result && typeof result === "object" && "status" in result ? "pending" : "erased" };
      },
      changePhone: {
        requestOtp: async (phone: string, idempotencyKey: string = newKey()): Promise<CodeSent> =>
          run(async () => api.POST("/user/phone/request-otp", { body: { phone }, headers: { ...(await bearer()), "Idempotency-Key": idempotencyKey } }), true),
        verifyOtp: async (phone: string, otp: string): Promise<Schemas["PhoneChanged"]> =>
          run(async () => api.POST("/user/phone/verify-otp", { body: { phone, otp }, headers: await bearer() }), true),
      },
    },

    dev: {
      /** Development only (console SMS provider): the messages "sent" to a number, newest first. */
      outbox: async (phone: string): Promise<DevMessage[]> => (await run(() => api.GET("/dev/sms-outbox", { params: { query: { phone } } }), false)).messages,
    },
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;
