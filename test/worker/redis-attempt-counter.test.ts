/**
 * ATTEMPT_COUNTER_STORE=redis through the Worker (issue 14): the production
 * profile's strict attempt counter in Redis, for self-hosted replicas that
 * share one Redis and each have their own Durable Objects. The adapter's own
 * contract (the Durable Object's, plus a replay against countAttempt) is in
 * contracts.test.ts; here: it is wired, it is the one counting, and two
 * Worker instances with their own settings objects see one count.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { phoneHash } from "../../src/lib/keys";
import { call, expectError, hasRedis, latestCode, redisCommand, services, testEnv, uniqueIp, uniquePhone, upstashSettings, wrongCode } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!hasRedis)("Redis attempt counter (ATTEMPT_COUNTER_STORE=redis)", () => {
  // Two settings objects: config and clients are cached per env object, as per isolate or replica.
  const replicaA = () => ({ ...upstashSettings(), ATTEMPT_COUNTER_STORE: "redis" });
  const replicaB = () => ({ ...upstashSettings(), ATTEMPT_COUNTER_STORE: "redis" });

  it("OTP-06: wrong codes are counted in Redis across replicas and lock the phone; the Durable Object counts nothing", async () => {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, settings: replicaA() })).status).toBe(200);
    const code = await latestCode(phone);
    const hash = await phoneHash((await services({}, replicaA())).keys, phone);

    await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp(), settings: replicaA() }), 400, "otp_invalid");
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp(), settings: replicaB() }), 400, "otp_invalid");
    expect(await redisCommand(["HGET", `attempts:{${hash}}`, "count"])).toBe("2");
    // The third wrong code is counted and locks the phone.
    const third = await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp(), settings: replicaA() }), 400, "otp_invalid");
    expect(third.error.attemptsRemaining).toBe(0);
    // Locked on the other replica too, even with the right code (OTP-09).
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp(), settings: replicaB() }), 429, "too_many_attempts");
    expect(Number(await redisCommand(["PTTL", `attempts:{${hash}}`]))).toBeGreaterThan(0);
    expect(await testEnv.ATTEMPT_COUNTER.get(testEnv.ATTEMPT_COUNTER.idFromName(hash)).peek()).toBeNull();
  });

  it("a right code signs in and clears the count (OTP-08)", async () => {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, settings: replicaA() })).status).toBe(200);
    const code = await latestCode(phone);
    const hash = await phoneHash((await services({}, replicaA())).keys, phone);
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp(), settings: replicaB() }), 400, "otp_invalid");
    expect((await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp(), settings: replicaA() })).status).toBe(200);
    await vi.waitFor(async () => expect(await redisCommand(["EXISTS", `attempts:{${hash}}`])).toBe(0));
  });

  it("the profile line names the Redis counter", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: unknown) => void lines.push(String(l)));
    await call("/healthz", { settings: replicaA() });
    await call("/readyz", { settings: { ...replicaA(), ATTEMPT_COUNTER_STORE: "redis" } });
    const profile = lines.find((l) => l.includes('"type":"profile"'));
    expect(profile && (JSON.parse(profile) as { attemptCounter: string }).attemptCounter).toBe("upstash-redis (Lua)");
  });
});
