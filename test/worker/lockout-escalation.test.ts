import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advanceClock, call, expectError, latestCode, PROFILES, uniqueIp, uniquePhone, useProfile, wrongCode } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Locks the phone with 3 wrong codes against a fresh code; returns the lockout's Retry-After (s). */
async function lockOut(phone: string): Promise<number> {
  expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
  const code = await latestCode(phone);
  for (let i = 0; i < 3; i++) await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp() });
  const locked = await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp() });
  await expectError(locked, 429, "too_many_attempts");
  return Number(locked.headers.get("retry-after"));
}

describe.each(PROFILES)("escalating lockouts ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-06: each lockout in a row without a success lasts twice the one before; a sign-in resets the run", async () => {
    const phone = uniquePhone();
    const first = await lockOut(phone);
    expect(first).toBeGreaterThan(890);
    expect(first).toBeLessThanOrEqual(900);
    advanceClock(901_000);
    const second = await lockOut(phone);
    expect(second).toBeGreaterThan(1790);
    expect(second).toBeLessThanOrEqual(1800);
    // A locked-out phone is sent nothing for as long (SEND-08).
    await expectError(await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() }), 429, "too_many_attempts");
    // After the second lockout: a right code signs in and the run is forgotten.
    advanceClock(901_000 + 1801_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    expect((await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip: uniqueIp() })).status).toBe(200);
    advanceClock(3_700_000);
    const afterSuccess = await lockOut(phone);
    expect(afterSuccess).toBeLessThanOrEqual(900);
  });
});
