import { beforeEach, describe, expect, it, vi } from "vitest";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { AuthError } from "../../src/errors";
import { phoneHash } from "../../src/lib/keys";
import { call, captureLogs, latestCode, PROFILES, services, testEnv, uniqueIp, uniquePhone, useProfile, wrongCode } from "./helpers";

/**
 * Work the answer does not depend on (clearing the attempt counter after a
 * success, recording the last login) runs after the response, in waitUntil.
 * It must still happen, and failing it must not weaken a limit.
 */
describe.each(PROFILES)("work after the answer ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("after a sign-in over HTTP the attempt counter is cleared and the last login recorded", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    expect((await call("/auth/request-otp", { body: { phone }, ip })).status).toBe(200);
    const code = await latestCode(phone);
    expect((await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip })).status).toBe(400);
    const deps = await services();
    const hash = await phoneHash(deps.keys, phone);
    const counter = testEnv.ATTEMPT_COUNTER.get(testEnv.ATTEMPT_COUNTER.idFromName(hash));
    expect(await counter.peek()).toMatchObject({ count: 1 });
    const before = Date.now();
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip });
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as { user: { id: string } };
    // call() waits for the request's waitUntil work, as the runtime does.
    expect(await counter.peek()).toBeNull();
    expect((await deps.users.getById(user.id))?.lastLoginAt).toBeGreaterThanOrEqual(before);
  });

  it("a failed reset is logged, costs the sign-in nothing, and leaves earlier failures counted (the safe side)", async () => {
    const clock = { t: Date.now() };
    const real = await services({ now: () => clock.t });
    const deps = await services({
      now: () => clock.t,
      attempts: { ...real.attempts, acquire: real.attempts.acquire.bind(real.attempts), lockedFor: real.attempts.lockedFor.bind(real.attempts), reset: () => Promise.reject(new Error("counter down")) },
    });
    const phone = uniquePhone();
    const c = { ip: uniqueIp(), userAgent: null };
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    await verifyOtp(deps, { phone, otp: wrongCode(code) }, c).catch(() => undefined);
    const lines = captureLogs();
    const signedIn = await verifyOtp(deps, { phone, otp: code }, c);
    await deps.settle();
    vi.restoreAllMocks();
    expect(signedIn.token).toBeTruthy();
    expect(lines.some((l) => l.includes('"background_failed"') && l.includes('"attempts.reset"'))).toBe(true);
    // The earlier failure still counts: one attempt fewer on the next code.
    clock.t += 61_000;
    await requestOtp(deps, { phone }, c);
    const next = await latestCode(phone);
    const err = await verifyOtp(deps, { phone, otp: wrongCode(next) }, c).catch((e: unknown) => e);
    expect((err as AuthError).details.attemptsRemaining).toBe(0);
  });
});

