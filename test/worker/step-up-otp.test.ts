import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advanceClock, call, expectError, latestCode, PROFILES, signIn, uniqueIp, useProfile, wrongCode } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

const requestStepUp = (token: string) => call("/auth/step-up/request-otp", { method: "POST", token, ip: uniqueIp() });
const verifyStepUp = (token: string, otp: string) => call("/auth/step-up/verify-otp", { body: { otp }, token, ip: uniqueIp() });

describe.each(PROFILES)("step-up by SMS ($name profile)", (profile) => {
  beforeEach(() => {
    useProfile(profile);
  });

  it("SES-07: a user past RECENT_AUTH_SECONDS steps up with a code to their own number; the token is replaced and the route opens", async () => {
    const { token, phone } = await signIn();
    advanceClock(601_000);
    await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token }), 401, "step_up_required");
    const sent = await requestStepUp(token);
    expect(await sent.json()).toEqual({ status: "sent", expiresIn: 300, resendAfter: 60 });
    const res = await verifyStepUp(token, await latestCode(phone));
    expect(res.status).toBe(200);
    const { token: fresh } = (await res.json()) as { token: string };
    await expectError(await call("/auth/check-session", { token }), 401, "session_revoked");
    expect((await call("/auth/webauthn/registration-options", { method: "POST", token: fresh })).status).toBe(200);
  });

  it("OTP-10: a step-up code cannot sign in, and a sign-in code cannot step up", async () => {
    const { token, phone } = await signIn();
    advanceClock(61_000);
    expect((await requestStepUp(token)).status).toBe(200);
    const stepUpCode = await latestCode(phone);
    const asSignIn = await call("/auth/verify-otp", { body: { phone, otp: stepUpCode }, ip: uniqueIp() });
    await expectError(asSignIn, 400, "otp_expired");
    advanceClock(122_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    const signInCode = await latestCode(phone);
    const asStepUp = await verifyStepUp(token, signInCode);
    expect(asStepUp.status).toBe(400);
    expect((await call("/auth/check-session", { token })).status).toBe(200);
  });

  it("OTP-06: wrong step-up codes count toward the phone's lockout, which then also stops sign-in codes", async () => {
    const { token, phone } = await signIn();
    advanceClock(61_000);
    expect((await requestStepUp(token)).status).toBe(200);
    const code = await latestCode(phone);
    for (let i = 0; i < 3; i++) await expectError(await verifyStepUp(token, wrongCode(code)), 400, "otp_invalid");
    await expectError(await verifyStepUp(token, code), 429, "too_many_attempts");
    await expectError(await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() }), 429, "too_many_attempts");
  });

  it("needs a live session; the body is checked", async () => {
    await expectError(await call("/auth/step-up/request-otp", { method: "POST" }), 401, "unauthorized");
    const { token } = await signIn();
    await expectError(await call("/auth/step-up/verify-otp", { body: { otp: "12345" }, token }), 400, "invalid_request");
    await expectError(await call("/auth/step-up/verify-otp", { body: { otp: "123456", phone: "+919876543210" }, token }), 400, "invalid_request");
  });
});
