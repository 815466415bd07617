import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoftDeviceKey } from "../support/soft-authenticator";
import { call, enrolDeviceKey, json, useDeviceKey } from "./biometric-helpers";
import { advanceClock, expectError, PROFILES, signIn, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

interface Check {
  stepUp: { required: boolean; methods: string[]; reason?: string };
}
const stepUp = async (token: string): Promise<Check["stepUp"]> => (await json<Check>(await call("/auth/check-session", { token }))).stepUp;

describe.each(PROFILES)("step-up ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("check-session asks for an unlock once an enrolled user's session has been idle past UNLOCK_AFTER_SECONDS; the unlock clears it", async () => {
    const { token } = await signIn();
    expect(await stepUp(token)).toEqual({ required: false, methods: [] });
    const key = await SoftDeviceKey.create("ES256");
    await json(await enrolDeviceKey(token, key));
    expect(await stepUp(token)).toEqual({ required: false, methods: ["biometric"] });
    advanceClock(901_000);
    expect(await stepUp(token)).toEqual({ required: true, methods: ["biometric"], reason: "idle" });
    const unlocked = await json<{ token: string }>(await useDeviceKey(key, token));
    expect(await stepUp(unlocked.token)).toEqual({ required: false, methods: ["biometric"] });
  });

  it("without an unlock method an idle session is not asked for one; UNLOCK_AFTER_SECONDS is configurable", async () => {
    const { token } = await signIn();
    advanceClock(901_000);
    expect(await stepUp(token)).toEqual({ required: false, methods: [] });
    const key = await SoftDeviceKey.create("ES256");
    vi.restoreAllMocks();
    const fresh = await signIn();
    await json(await enrolDeviceKey(fresh.token, key));
    advanceClock(120_000);
    const res = await call("/auth/check-session", { token: fresh.token, settings: { UNLOCK_AFTER_SECONDS: "60" } });
    expect((await json<Check>(res)).stepUp).toMatchObject({ required: true, reason: "idle" });
  });

  it("step_up_required carries RFC 9470's insufficient_user_authentication challenge with max_age; other 401s do not", async () => {
    const { token } = await signIn();
    advanceClock(601_000);
    const res = await call("/auth/webauthn/registration-options", { method: "POST", token });
    await expectError(res, 401, "step_up_required");
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-phone-auth", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=600',
    );
    const other = await call("/auth/webauthn/registration-options", { method: "POST", token, settings: { RECENT_AUTH_SECONDS: "3600" } });
    expect(other.status).toBe(200);
    const failed = await call("/auth/verify-biometric", { body: { deviceSignature: { deviceId: "never-enrolled-1", challenge: "A".repeat(43), signature: "AAAA" } } });
    expect(failed.status).toBe(400);
    expect(failed.headers.get("www-authenticate")).toBeNull();
    // A failed unlock says nothing against the (good) token: no invalid_token.
    const key = await SoftDeviceKey.create("ES256");
    const fresh = await signIn();
    await json(await enrolDeviceKey(fresh.token, key));
    const bad = await call("/auth/verify-biometric", { body: { deviceSignature: { deviceId: key.deviceId, challenge: "A".repeat(43), signature: "AAAA" } }, token: fresh.token });
    expect(bad.status).toBe(400);
    const wrongKey = await SoftDeviceKey.create("ES256", key.deviceId);
    const refused = await useDeviceKey(wrongKey, fresh.token);
    await expectError(refused, 401, "biometric_failed");
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="edge-phone-auth"');
  });
});
