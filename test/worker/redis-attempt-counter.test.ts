/**
 * ATTEMPT_COUNTER_STORE=redis through the Worker (issue 14): the production
 * profile's strict attempt counter in Redis, for self-hosted replicas that
 * share one Redis and each have their own Durable Objects. The adapter's own
 * contract (the Durable Object's, plus a replay against countAttempt) is in
 * contracts.test.ts; here: it is wired, it is the one counting, and two
 * Worker instances with their own settings objects see one count.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashAttemptCounter } from "../../src/adapters/upstash/attempt-counter";
import { countAttempt, NO_ATTEMPTS, type Attempts } from "../../src/domain/phone-ledger";
import { phoneHash } from "../../src/lib/keys";
import { call, expectError, hasRedis, latestCode, redisCommand, services, testEnv, uniqueIp, uniquePhone, upstashSettings, wrongCode } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!hasRedis)("Redis attempt counter (ATTEMPT_COUNTER_STORE=redis)", () => {
  // call() builds a new bindings object for each request (config is parsed per bindings object; the
  // REST client keeps no state), and the Durable Object is checked to hold nothing: as between
  // replicas, only Redis carries the count from one request to the next.
  const settings = { ...upstashSettings(), ATTEMPT_COUNTER_STORE: "redis" };
  const verify = (phone: string, otp: string): Promise<Response> => call("/auth/verify-otp", { body: { phone, otp }, ip: uniqueIp(), settings });
  /** A code sent to a fresh number: the number, its code and its keyed hash (the counter's key). */
  async function sent(): Promise<{ phone: string; code: string; hash: string }> {
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, settings })).status).toBe(200);
    return { phone, code: await latestCode(phone), hash: await phoneHash((await services({}, settings)).keys, phone) };
  }

  it("OTP-06: wrong codes are counted in Redis across replicas and lock the phone; the Durable Object counts nothing", async () => {
    const { phone, code, hash } = await sent();
    await expectError(await verify(phone, wrongCode(code)), 400, "otp_invalid");
    await expectError(await verify(phone, wrongCode(code)), 400, "otp_invalid");
    expect(await redisCommand(["HGET", `attempts:{${hash}}`, "count"])).toBe("2");
    // The third wrong code is counted and locks the phone.
    const third = await expectError(await verify(phone, wrongCode(code)), 400, "otp_invalid");
    expect(third.error.attemptsRemaining).toBe(0);
    // Locked, even with the right code (OTP-09).
    await expectError(await verify(phone, code), 429, "too_many_attempts");
    expect(Number(await redisCommand(["PTTL", `attempts:{${hash}}`]))).toBeGreaterThan(0);
    expect(await testEnv.ATTEMPT_COUNTER.get(testEnv.ATTEMPT_COUNTER.idFromName(hash)).peek()).toBeNull();
  });

  it("a right code signs in and clears the count (OTP-08)", async () => {
    const { phone, code, hash } = await sent();
    await expectError(await verify(phone, wrongCode(code)), 400, "otp_invalid");
    expect((await verify(phone, code)).status).toBe(200);
    await vi.waitFor(async () => expect(await redisCommand(["EXISTS", `attempts:{${hash}}`])).toBe(0));
  });

  it("FRAUD-06: the key lives exactly until the domain rule's forgetAt (+1 s), counted from the caller's clock: a lockout and the run of lockouts outlive the failure window", async () => {
    const counter = new UpstashAttemptCounter(createUpstashClient({ url: testEnv.TEST_UPSTASH_URL, token: testEnv.TEST_UPSTASH_TOKEN, timeoutMs: 3000 }), 3000);
    const policy = { maxAttempts: 3, lockoutMs: 900_000, windowMs: 3_600_000 };
    const key = `expiry-${crypto.randomUUID()}`;
    let model: Attempts = { ...NO_ATTEMPTS };
    /** One attempt on the counter and the model at `now`; then the stored forgetAt and the key's TTL must be the model's. */
    const attempt = async (now: number): Promise<void> => {
      model = countAttempt(model, policy, now).attempts;
      await counter.acquire(key, policy, now);
      expect(Number(await redisCommand(["HGET", `attempts:{${key}}`, "forgetAt"]))).toBe(model.forgetAt);
      const pttl = Number(await redisCommand(["PTTL", `attempts:{${key}}`]));
      const expected = model.forgetAt - now + 1000;
      expect(pttl).toBeLessThanOrEqual(expected);
      expect(pttl).toBeGreaterThan(expected - 2000);
    };
    const t0 = Date.now();
    await attempt(t0); // one failure: the window
    expect(model.forgetAt).toBe(t0 + policy.windowMs);
    await attempt(t0 + 1);
    await attempt(t0 + 2); // locked: the lockout's end + 24 h of memory
    expect(model.forgetAt).toBe(t0 + 2 + 900_000 + 86_400_000);
    // A caller clock ahead of Redis's (another replica): the lifetime is still the rule's, from that clock.
    const later = model.lockedUntil + 1;
    await attempt(later); // after the lockout: a fresh count, the run of lockouts remembered
    expect(model.lockouts).toBe(1);
    expect(model.forgetAt).toBe(later + 86_400_000);
  });

  it("the profile line names the Redis counter", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: unknown) => void lines.push(String(l)));
    await call("/readyz", { settings });
    const profile = lines.find((l) => l.includes('"type":"profile"'));
    expect(profile && (JSON.parse(profile) as { attemptCounter: string }).attemptCounter).toBe("upstash-redis (Lua)");
  });
});
