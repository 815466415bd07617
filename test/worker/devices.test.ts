import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoftDeviceKey } from "../support/soft-authenticator";
import { enrolDeviceKey, useDeviceKey } from "./biometric-helpers";
import { advanceClock, call, captureLogs, expectError, latestCode, PROFILES, redisCommand, testEnv, uniqueIp, uniquePhone, useProfile, wrongCode } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

const request = (phone: string, deviceToken?: string) => call("/auth/request-otp", { body: { phone, ...(deviceToken ? { deviceToken } : {}) }, ip: uniqueIp() });
const verify = (phone: string, otp: string, deviceToken?: string) => call("/auth/verify-otp", { body: { phone, otp, ...(deviceToken ? { deviceToken } : {}) }, ip: uniqueIp() });

/** The stored form of a device: its D1 row or its Redis value, as text. */
async function storedDevice(profile: string, id: string): Promise<string> {
  if (profile === "upstash") return String(await redisCommand(["GET", `device:${id}`]));
  return JSON.stringify(await testEnv.DB.prepare("SELECT * FROM devices WHERE id = ?1").bind(id).first());
}

/** Signs in on a device and returns its token. */
async function signInOnDevice(phone: string, deviceToken?: string): Promise<string> {
  expect((await request(phone, deviceToken)).status).toBe(200);
  const res = await verify(phone, await latestCode(phone), deviceToken);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { deviceToken: string };
  expect(body.deviceToken).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  return body.deviceToken;
}

describe.each(PROFILES)("recognised devices ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-05: strangers who lock the number out and take its hourly sends cannot lock out a recognised device", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    const device = await signInOnDevice(phone);
    advanceClock(61_000);
    // The attacker: guesses until the number locks, with no device token.
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    await expectError(await request(phone), 429, "too_many_attempts");
    // The person, on their recognised device: a code of its own, and signed in.
    expect((await request(phone, device)).status).toBe(200);
    const mine = await latestCode(phone);
    const signedIn = await verify(phone, mine, device);
    expect(signedIn.status).toBe(200);
    const rotated = ((await signedIn.json()) as { deviceToken: string }).deviceToken;
    expect(rotated).not.toBe(device);
    expect(rotated.split(".")[0]).toBe(device.split(".")[0]);
    expect(logs.some((l) => l.includes('"recognisedDevice":true'))).toBe(true);
  });

  it("FRAUD-05: the device's budget is its own: strangers' requests cannot use it up, and its wrong codes do not lock the number for others", async () => {
    const phone = uniquePhone();
    let device = await signInOnDevice(phone);
    advanceClock(61_000);
    // Strangers take the number's anonymous sends for the hour (the first sign-in used one).
    expect((await request(phone)).status).toBe(200);
    advanceClock(122_000);
    expect((await request(phone)).status).toBe(200);
    advanceClock(183_000);
    await expectError(await request(phone), 429, "rate_limited");
    // The device still gets its codes.
    device = await signInOnDevice(phone, device);
    // And the device's own wrong codes lock only the device's counter.
    advanceClock(244_000);
    expect((await request(phone, device)).status).toBe(200);
    const code = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(code), device);
    await expectError(await verify(phone, code, device), 429, "too_many_attempts");
  });

  it("FRAUD-05: a token is recognised only for its own phone, only once per rotation, and never as an error", async () => {
    const phone = uniquePhone();
    const device = await signInOnDevice(phone);
    // Another phone with this token: anonymous (its answer is the same as without a token).
    const other = uniquePhone();
    expect((await request(other, device)).status).toBe(200);
    // A forged token and garbage are ignored, not refused.
    advanceClock(61_000);
    expect((await request(phone, `${device.split(".")[0]}.${"A".repeat(43)}`)).status).toBe(200);
    await expectError(await request(phone, "not a token"), 429, "rate_limited");
    // After a sign-in rotates it, the old token is no longer recognised: a fresh device is made instead.
    const rotated = await signInOnDevice(phone, device);
    expect(rotated.split(".")[0]).toBe(device.split(".")[0]);
    advanceClock(122_000);
    expect((await request(phone, rotated)).status).toBe(200);
    const code = await latestCode(phone);
    // The old token no longer names the device's ledger: the code is checked against the number's anonymous one and fails.
    const replayed = await verify(phone, code, device);
    expect(replayed.status).toBe(400);
    expect((await verify(phone, code, rotated)).status).toBe(200);
    // Stored only as a hash.
    const stored = await storedDevice(profile.name, device.split(".")[0]!);
    expect(stored).toMatch(/[A-Za-z0-9_-]{43}/);
    expect(stored).not.toContain(rotated.split(".")[1]!);
  });

  it("FRAUD-05: only a genuine, live token issued for this very phone opens the device's budget", async () => {
    const phone = uniquePhone();
    const device = await signInOnDevice(phone);
    const elsewhere = uniquePhone();
    const otherDevice = await signInOnDevice(elsewhere);
    advanceClock(61_000);
    // Strangers lock the number out.
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    // A forged secret, another phone's device token, garbage: all anonymous, so locked out like the strangers.
    for (const token of [`${device.split(".")[0]}.${"A".repeat(43)}`, otherDevice, "garbage"]) {
      await expectError(await request(phone, token), 429, "too_many_attempts");
    }
    // The genuine token is not locked out.
    expect((await request(phone, device)).status).toBe(200);
  });

  it("FRAUD-05: a token unused for DEVICE_TOKEN_TTL_SECONDS is no longer recognised", async () => {
    const phone = uniquePhone();
    const device = await signInOnDevice(phone, undefined);
    advanceClock(181 * 86_400_000);
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    await expectError(await request(phone, device), 429, "too_many_attempts");
  });

  it("FRAUD-05: a sign-in with a device key (no SMS) also makes the device recognised; an unlock does not hand out a token", async () => {
    const phone = uniquePhone();
    expect((await request(phone)).status).toBe(200);
    const signedIn = (await (await verify(phone, await latestCode(phone))).json()) as { token: string };
    const key = await SoftDeviceKey.create("ES256");
    expect((await enrolDeviceKey(signedIn.token, key)).status).toBe(200);
    const unlocked = (await (await useDeviceKey(key, signedIn.token)).json()) as Record<string, unknown>;
    expect(unlocked).not.toHaveProperty("deviceToken");
    const viaKey = (await (await useDeviceKey(key)).json()) as { deviceToken: string };
    expect(viaKey.deviceToken).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    // Strangers lock the number; the device signed in by key still gets codes.
    advanceClock(61_000);
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    await expectError(await request(phone), 429, "too_many_attempts");
    expect((await request(phone, viaKey.deviceToken)).status).toBe(200);
  });

  it("FRAUD-05: signing out other sessions forgets every other recognised device; signing out everywhere forgets them all", async () => {
    const phone = uniquePhone();
    const first = await signInOnDevice(phone);
    advanceClock(600_000);
    const secondRes = await (async () => {
      expect((await request(phone)).status).toBe(200);
      return (await (await verify(phone, await latestCode(phone))).json()) as { token: string; deviceToken: string };
    })();
    // From the second device: sign out the others. The first device is forgotten, the second kept.
    const out = await call("/auth/logout-all", { method: "POST", token: secondRes.token });
    expect(out.status).toBe(200);
    advanceClock(1_200_000);
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    await expectError(await request(phone, first), 429, "too_many_attempts");
    expect((await request(phone, secondRes.deviceToken)).status).toBe(200);
    // Everywhere, this one included: the second device is forgotten too.
    expect((await call("/auth/logout-all?includeCurrent=true", { method: "POST", token: secondRes.token })).status).toBe(200);
    advanceClock(1_800_000);
    await expectError(await request(phone, secondRes.deviceToken), 429, "too_many_attempts");
  });

  it("FRAUD-05: a user keeps at most MAX_DEVICES_PER_USER recognised devices; the least recently used is forgotten", async () => {
    const settings = { MAX_DEVICES_PER_USER: "2" };
    const phone = uniquePhone();
    const signIn = async (deviceToken?: string): Promise<string> => {
      expect((await call("/auth/request-otp", { body: { phone, ...(deviceToken ? { deviceToken } : {}) }, ip: uniqueIp(), settings })).status).toBe(200);
      const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone), ...(deviceToken ? { deviceToken } : {}) }, ip: uniqueIp(), settings });
      expect(res.status).toBe(200);
      return ((await res.json()) as { deviceToken: string }).deviceToken;
    };
    let a = await signIn();
    advanceClock(61_000);
    const b = await signIn();
    advanceClock(122_000);
    // Using a makes b the least recently used: a third device forgets b.
    a = await signIn(a);
    advanceClock(183_000);
    const c = await signIn();
    // A new hour: the anonymous sends the sign-ins used are back.
    advanceClock(3_783_000);
    expect((await request(phone)).status).toBe(200);
    const theirs = await latestCode(phone);
    for (let i = 0; i < 3; i++) await verify(phone, wrongCode(theirs));
    await expectError(await request(phone, b), 429, "too_many_attempts");
    expect((await request(phone, a)).status).toBe(200);
    expect((await request(phone, c)).status).toBe(200);
  });
});
