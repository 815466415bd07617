import { beforeEach, describe, expect, it, vi } from "vitest";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { AuthError } from "../../src/errors";
import { DurableAttemptCounter } from "../../src/adapters/durable-object/attempt-counter";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashOtpLedger } from "../../src/adapters/upstash/otp-ledger";
import { phoneHash } from "../../src/lib/keys";
import { call, captureLogs, failureCount, latestCode, PROFILES, services, testEnv, uniqueIp, uniquePhone, useProfile, wrongCode } from "./helpers";

/**
 * Work the answer does not depend on (recording the last login; in the
 * Upstash profile, clearing the attempt counter after a success) runs after
 * the response, in waitUntil. It must still happen, and failing it must not
 * weaken a limit. (The embedded PhoneLedger clears the count in the same
 * call that consumes the code.)
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
    expect(await failureCount(hash)).toBe(1);
    const before = Date.now();
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip });
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as { user: { id: string } };
    // call() waits for the request's waitUntil work, as the runtime does.
    expect(await failureCount(hash)).toBe(0);
    expect((await deps.users.getById(user.id))?.lastLoginAt).toBeGreaterThanOrEqual(before);
  });

  it.runIf(profile.name === "upstash")("a failed counter reset is logged, costs the sign-in nothing, and leaves earlier failures counted (the safe side)", async () => {
    const clock = { t: Date.now() };
    const counter = new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, 3000);
    const failingReset = Object.assign(Object.create(counter) as DurableAttemptCounter, { reset: () => Promise.reject(new Error("counter down")) });
    const redis = createUpstashClient({ url: testEnv.TEST_UPSTASH_URL, token: testEnv.TEST_UPSTASH_TOKEN, timeoutMs: 3000 });
    const deps = await services({ now: () => clock.t, ledger: new UpstashOtpLedger(redis, failingReset, 3000) });
    const phone = uniquePhone();
    const c = { ip: uniqueIp(), userAgent: null, country: null };
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    await verifyOtp(deps, { phone, otp: wrongCode(code) }, c).catch(() => undefined);
    const lines = captureLogs();
    const signedIn = await verifyOtp(deps, { phone, otp: code }, c);
    await deps.settle();
    vi.restoreAllMocks();
    expect(signedIn.token).toBeTruthy();
    expect(lines.some((l) => l.includes('"background_failed"') && l.includes('"ledger.followUp"'))).toBe(true);
    // The earlier failure still counts: one attempt fewer on the next code.
    clock.t += 61_000;
    await requestOtp(deps, { phone }, c);
    const next = await latestCode(phone);
    const err = await verifyOtp(deps, { phone, otp: wrongCode(next) }, c).catch((e: unknown) => e);
    expect((err as AuthError).details.attemptsRemaining).toBe(0);
  });
});

