import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { expect } from "vitest";
import { SoftAuthenticator, SoftDeviceKey, devicePayload, type CeremonyOverrides, type Flags, type PasskeyAlg } from "../support/soft-authenticator";
import { call as callFrom, uniqueIp, type CallOptions, type SignInResult } from "./helpers";

/**
 * `call` from a fresh client address each time (unless the test names one):
 * ceremonies without a session spend a per-address budget, and the Upstash
 * profile's Redis is shared by every test file of a run.
 */
export function call(path: string, opts: CallOptions = {}): Promise<Response> {
  return callFrom(path, { ip: uniqueIp(), ...opts });
}

/** The test Worker's own origin and host: the development defaults for the RP. */
export const ORIGIN = "https://auth.test";
export const RP_ID = "auth.test";

export async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

export async function registrationOptions(token: string, opts: CallOptions = {}): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return json(await call("/auth/webauthn/registration-options", { method: "POST", token, ...opts }));
}

export async function authenticationOptions(token?: string, opts: CallOptions = {}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return json(await call("/auth/webauthn/authentication-options", { method: "POST", ...(token ? { token } : {}), ...opts }));
}

export function newAuthenticator(alg: PasskeyAlg = "ES256", flags?: Flags, extra: { counter?: number | "none"; origin?: string } = {}): Promise<SoftAuthenticator> {
  return SoftAuthenticator.create({ alg, origin: extra.origin ?? ORIGIN, rpId: RP_ID, ...(flags ? { flags } : {}), ...(extra.counter !== undefined ? { counter: extra.counter } : {}) });
}

/** Registers the authenticator's passkey for the session's user; returns the raw response. */
export async function enrolPasskey(token: string, authenticator: SoftAuthenticator, o?: CeremonyOverrides, opts: CallOptions = {}): Promise<Response> {
  const options = await registrationOptions(token, opts);
  const biometricData = await authenticator.register(options, o);
  return call("/auth/enable-biometric", { body: { biometricData }, token, ...opts });
}

/** Runs an assertion: with `token` it unlocks that session, without it signs in. */
export async function usePasskey(authenticator: SoftAuthenticator, token?: string, o?: CeremonyOverrides, opts: CallOptions = {}): Promise<Response> {
  const options = await authenticationOptions(token, opts);
  const assertion = await authenticator.assert(options, o);
  return call("/auth/verify-biometric", { body: { assertion }, ...(token ? { token } : {}), ...opts });
}

export async function deviceChallenge(deviceId: string, purpose: "enroll" | "unlock" | "sign_in", token?: string): Promise<string> {
  const res = await call("/auth/device-challenge", { body: { deviceId, purpose }, ...(token ? { token } : {}) });
  const body = await json<{ challenge: string; expiresIn: number }>(res);
  expect(body.expiresIn).toBe(300);
  return body.challenge;
}

/** Enrols a device key (its SPKI, or `publicKey` if given) with a proof over an enrol challenge. */
export async function enrolDeviceKey(token: string, key: SoftDeviceKey, publicKey?: string): Promise<Response> {
  const challenge = await deviceChallenge(key.deviceId, "enroll", token);
  const signature = await key.sign(devicePayload("enroll", key.deviceId, challenge));
  return call("/auth/enable-biometric", {
    body: { deviceKey: { deviceId: key.deviceId, publicKey: publicKey ?? (await key.publicKeySpki()), algorithm: key.algorithm, platform: "android" }, proof: { challenge, signature } },
    token,
  });
}

/** Unlocks (with `token`) or signs in (without) with a device key. */
export async function useDeviceKey(key: SoftDeviceKey, token?: string): Promise<Response> {
  const purpose = token ? "unlock" : "sign_in";
  const challenge = await deviceChallenge(key.deviceId, purpose, token);
  const signature = await key.sign(devicePayload(purpose, key.deviceId, challenge));
  return call("/auth/verify-biometric", { body: { deviceSignature: { deviceId: key.deviceId, challenge, signature } }, ...(token ? { token } : {}) });
}

export const checkSession = (token: string): Promise<Response> => call("/auth/check-session", { token });

export type { SignInResult };
