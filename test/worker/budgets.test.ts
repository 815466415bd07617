import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { requestOtp } from "../../src/domain/sign-in";
import { prefixId } from "../../src/domain/budgets";
import { parseE164 } from "../../src/domain/phone";
import { DependencyError } from "../../src/errors";
import { advanceClock, call, captureLogs, expectError, latestCode, PROFILES, services, twilioScenario, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** `n` numbers of one fresh prefix (the number without its last 3 digits). */
function samePrefix(n: number): string[] {
  const base = uniquePhone().slice(0, -3);
  return Array.from({ length: n }, (_, i) => `${base}${String(i + 1).padStart(3, "0")}`);
}

const send = (phone: string, settings: Record<string, string>) => call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings });
const noGuard = { CONVERSION_MIN_SENDS: "0" };

describe.each(PROFILES)("SMS budgets ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-03: a number prefix gets SMS_PREFIX_HOURLY_LIMIT codes an hour; the refused request gives the phone its slot back", async () => {
    const settings = { ...noGuard, SMS_PREFIX_HOURLY_LIMIT: "3" };
    const [a, b, c, d] = samePrefix(4);
    for (const phone of [a!, b!, c!]) expect((await send(phone, settings)).status).toBe(200);
    const refused = await send(d!, settings);
    await expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(3600);
    // Another prefix is not affected; the refused phone may ask at once under a looser setting.
    expect((await send(uniquePhone(), settings)).status).toBe(200);
    expect((await send(d!, { ...noGuard, SMS_PREFIX_HOURLY_LIMIT: "10" })).status).toBe(200);
    // The next hour the prefix has its budget again.
    advanceClock(3600_000);
    expect((await send(`${a!.slice(0, -3)}999`, settings)).status).toBe(200);
  });

  it("FRAUD-03: exact under concurrency: 12 concurrent requests to one prefix with a budget of 5 send exactly 5", async () => {
    const settings = { ...noGuard, SMS_PREFIX_HOURLY_LIMIT: "5" };
    const results = await Promise.all(samePrefix(12).map((phone) => send(phone, settings)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it("FRAUD-03: per-country daily budgets (SMS_COUNTRY_DAILY_LIMITS) with a default for the rest", async () => {
    // New Zealand mobiles: no other suite sends to NZ, so its daily counter is this test's alone.
    const nz = () => `+6421${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0")}`;
    const settings = { ...noGuard, SMS_COUNTRY_DAILY_LIMITS: "NZ:2,*:100000" };
    expect((await send(nz(), settings)).status).toBe(200);
    expect((await send(nz(), settings)).status).toBe(200);
    const refused = await send(nz(), settings);
    await expectError(refused, 429, "rate_limited");
    const secondsToMidnight = Math.ceil((Math.ceil(Date.now() / 86_400_000) * 86_400_000 - Date.now()) / 1000);
    expect(Math.abs(Number(refused.headers.get("retry-after")) - secondsToMidnight)).toBeLessThanOrEqual(2);
    expect((await send(uniquePhone(), settings)).status).toBe(200);
  });

  it("FRAUD-03: the global daily budget is a circuit breaker: 503 until the next UTC day and an ops alert; codes already sent still verify", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    expect((await send(phone, noGuard)).status).toBe(200);
    const code = await latestCode(phone);
    // This run has sent at least that one code today: a budget of 1 is spent.
    const tripped = await send(uniquePhone(), { ...noGuard, SMS_DAILY_BUDGET: "1" });
    await expectError(tripped, 503, "service_unavailable");
    expect(Number(tripped.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(tripped.headers.get("retry-after"))).toBeLessThanOrEqual(86_400);
    expect(logs.some((l) => l.includes('"event":"budget.tripped"') && l.includes('"reason":"daily_budget"'))).toBe(true);
    expect((await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp(), settings: { ...noGuard, SMS_DAILY_BUDGET: "1" } })).status).toBe(200);
  });

  it("FRAUD-04: a prefix whose codes are never entered is blocked after CONVERSION_MIN_SENDS; a prefix of real users is not", async () => {
    const logs = captureLogs();
    const settings = { SMS_PREFIX_HOURLY_LIMIT: "0", CONVERSION_MIN_SENDS: "5", CONVERSION_MIN_RATE: "0.5", CONVERSION_BLOCK_SECONDS: "600" };
    const pumped = samePrefix(7);
    const real = samePrefix(7);
    for (let i = 0; i < 5; i++) {
      // Pumping: codes sent, never entered.
      expect((await send(pumped[i]!, settings)).status).toBe(200);
      // Real people: codes sent and entered.
      expect((await send(real[i]!, settings)).status).toBe(200);
      const ok = await call("/auth/verify-otp", { body: { phone: real[i]!, otp: await latestCode(real[i]!) }, ip: uniqueIp(), settings });
      expect(ok.status).toBe(200);
    }
    const blocked = await send(pumped[5]!, settings);
    await expectError(blocked, 429, "rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(600);
    // The trip names the pumped block (its keyed prefix id, 12 hex digits), so a dashboard's prefix leads to it.
    const pumpedPrefix = (await prefixId((await services()).keys, parseE164(pumped[0]!)!)).slice(0, 12);
    expect(logs.some((l) => l.includes('"reason":"prefix_conversion"') && l.includes(`"prefix":"${pumpedPrefix}"`))).toBe(true);
    expect((await send(real[5]!, settings)).status).toBe(200);
    // The block lifts after CONVERSION_BLOCK_SECONDS.
    advanceClock(601_000);
    expect((await send(pumped[6]!, settings)).status).toBe(200);
  });

  it("FRAUD-03: a message the provider refused gives its budget units back", async () => {
    const settings = { ...noGuard, ...twilioSettings(), SMS_PREFIX_HOURLY_LIMIT: "1" };
    const [refusedByProvider, next] = samePrefix(2);
    await twilioScenario(refusedByProvider!, { status: 400, code: 21211 });
    await expectError(await send(refusedByProvider!, settings), 502, "sms_send_failed");
    expect((await send(next!, settings)).status).toBe(200);
  });

  it("FRAUD-03: a request another limit refuses (the phone's resend cooldown) gives its budget units back", async () => {
    const settings = { ...noGuard, SMS_PREFIX_HOURLY_LIMIT: "2" };
    const [a, b] = samePrefix(2);
    expect((await send(a!, settings)).status).toBe(200);
    await expectError(await send(a!, settings), 429, "rate_limited");
    // The cooldown refusal was charged to the prefix in the same round trip, then refunded: b still fits.
    expect((await send(b!, settings)).status).toBe(200);
  });

  it("SEND-06: a budget store that cannot answer fails closed: nothing is sent and the phone keeps its slot", async () => {
    const deps = await services();
    const down = { ...deps.budgets.store, charge: () => Promise.reject(new DependencyError("budget-store")) };
    const phone = uniquePhone();
    await expect(requestOtp({ ...deps, budgets: { ...deps.budgets, store: down } }, { phone }, { ip: uniqueIp(), userAgent: null, country: null })).rejects.toBeInstanceOf(DependencyError);
    await expect(latestCode(phone)).rejects.toThrow();
    // The phone's slot was given back: with the store up it is sent a code at once.
    expect((await send(phone, noGuard)).status).toBe(200);
  });

  it("FRAUD-04: a burst of requests that other limits refuse cannot get a prefix blocked (only sent codes count)", async () => {
    const settings = { SMS_PREFIX_HOURLY_LIMIT: "0", CONVERSION_MIN_SENDS: "5", CONVERSION_MIN_RATE: "0.5" };
    const [a, b] = samePrefix(2);
    expect((await send(a!, settings)).status).toBe(200);
    // 8 concurrent requests for a, all refused by its resend cooldown (each charged, then refunded).
    const refused = await Promise.all(Array.from({ length: 8 }, () => send(a!, settings)));
    expect(refused.every((r) => r.status === 429)).toBe(true);
    // The prefix had one real send: b is not blocked.
    expect((await send(b!, settings)).status).toBe(200);
  });
});
