import { decodeJwt } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoftDeviceKey } from "../support/soft-authenticator";
import { call, enrolDeviceKey, enrolPasskey, json, newAuthenticator, usePasskey, useDeviceKey } from "./biometric-helpers";
import { advanceClock, PROFILES, signIn, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(PROFILES)("auth_time and amr in tokens ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("an OTP sign-in says sms; a device-key unlock hwk+user with a new auth_time; a renewal keeps both", async () => {
    const { token } = await signIn();
    const first = decodeJwt(token);
    expect(first).toMatchObject({ amr: ["sms"], auth_time: first.iat });
    const key = await SoftDeviceKey.create("ES256");
    await json(await enrolDeviceKey(token, key));
    advanceClock(5_000);
    const unlocked = (await json<{ token: string }>(await useDeviceKey(key, token))).token;
    const second = decodeJwt(unlocked);
    expect(second.amr).toEqual(["hwk", "user"]);
    expect(second.auth_time).toBeGreaterThanOrEqual((first.auth_time as number) + 4);
    vi.restoreAllMocks();
    advanceClock(60_000);
    const renewed = decodeJwt((await json<{ token: string }>(await call("/auth/renew", { method: "POST", token: unlocked }))).token);
    expect(renewed).toMatchObject({ amr: ["hwk", "user"], auth_time: second.auth_time });
    expect(renewed.iat).toBeGreaterThan(second.iat!);
  });

  it("a synced-capable passkey says swk+user; a device-bound one hwk+user; sessions list their amr", async () => {
    const session = await signIn();
    const synced = await newAuthenticator("ES256", { be: true, bs: true });
    await json(await enrolPasskey(session.token, synced));
    const bySynced = (await json<{ token: string }>(await usePasskey(synced))).token;
    expect(decodeJwt(bySynced).amr).toEqual(["swk", "user"]);
    const bound = await newAuthenticator("EdDSA");
    await json(await enrolPasskey(session.token, bound));
    const byBound = (await json<{ token: string }>(await usePasskey(bound))).token;
    expect(decodeJwt(byBound).amr).toEqual(["hwk", "user"]);
    const { sessions } = await json<{ sessions: { current: boolean; amr: string[] }[] }>(await call("/auth/sessions", { token: byBound }));
    expect(sessions.find((s) => s.current)!.amr).toEqual(["hwk", "user"]);
    expect(sessions.map((s) => s.amr)).toContainEqual(["sms"]);
  });
});
