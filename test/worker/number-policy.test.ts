import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseE164, type Phone } from "../../src/domain/phone";
import { call, captureLogs, expectError, latestCode, PROFILES, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Valid numbers of each refused kind (libphonenumber's full metadata says so; checked below). */
const REFUSED: [string, string][] = [
  ["+979123456789", "number_type:premium_rate"], // international premium rate
  ["+449098790123", "number_type:premium_rate"], // UK 09
  ["+19002345678", "number_type:premium_rate"], // US 900
  ["+33891234567", "number_type:premium_rate"], // French 089
  ["+33810123456", "number_type:shared_cost"], // French 081
  ["+80812345678", "number_type:shared_cost"], // international shared cost
  ["+18002345678", "number_type:toll_free"],
  ["+445512345678", "number_type:uan"],
  ["+447640123456", "number_type:pager"],
  ["+8816123456789", "number_type:satellite"], // Iridium, filed as mobile by libphonenumber
  ["+870773111632", "number_type:satellite"], // Inmarsat
  ["+883510012345", "number_type:international_network"],
  ["+88213700000", "number_type:international_network"],
];

/** Random digits, so no two runs (or profiles sharing the dev outbox) use one number. */
const digits = (n: number): string => String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10 ** n).padStart(n, "0");

/** A random number `prefix` + `n` digits that libphonenumber's full metadata finds valid and of `type`. */
function randomNumber(prefix: string, n: number, type: NonNullable<Phone["type"]>): string {
  for (;;) {
    const candidate = parseE164(prefix + digits(n));
    if (candidate?.type === type) return candidate.e164;
  }
}

const request = (phone: string, settings: Record<string, string> = {}) => call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings });

describe.each(PROFILES)("number policy ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-01: numbers that are never a person's phone are refused before any counter or provider call; the log says which rule", async () => {
    const logs = captureLogs();
    // One address allowed a single send: every refusal below must leave it unspent.
    // A random /64 of its own: per-IP counts live in Redis across test files, so a reused address could already hold a send.
    const ip = `2001:db8:${digits(4)}:${digits(4)}::1`;
    const oneSend = { IP_SEND_LIMIT: "1" };
    for (const [phone, reason] of REFUSED) {
      await expectError(await call("/auth/request-otp", { body: { phone }, ip, settings: oneSend }), 400, "phone_not_supported");
      const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === "otp.requested" && e.reason === reason);
      expect(line, `${phone} → ${reason}`).toBeDefined();
    }
    // Nothing was counted: the address still has its one send, and a refused
    // number's own cooldown never started (allowed once the policy allows it).
    expect((await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip, settings: oneSend })).status).toBe(200);
    const premium = `+449098${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0")}`;
    await expectError(await request(premium), 400, "phone_not_supported");
    await expect(latestCode(premium)).rejects.toThrow();
    expect((await request(premium, { BLOCKED_NUMBER_TYPES: "none" })).status).toBe(200);
    await expectError(await request(premium, { BLOCKED_NUMBER_TYPES: "none" }), 429, "rate_limited");
    // The answer never says which rule fired.
    const body = await expectError(await request(REFUSED[0]![0]), 400, "phone_not_supported");
    expect(JSON.stringify(body)).not.toMatch(/premium|satellite|country/);
    // Mobile numbers of the same countries still get codes.
    for (const phone of [randomNumber("+447", 9, "MOBILE"), randomNumber("+336", 8, "MOBILE"), uniquePhone()]) expect((await request(phone)).status).toBe(200);
  });

  it("FRAUD-01: BLOCKED_NUMBER_TYPES changes the list: none blocks nothing; voip and fixed_line can be added", async () => {
    expect((await request(randomNumber("+1800", 7, "TOLL_FREE"), { BLOCKED_NUMBER_TYPES: "none" })).status).toBe(200);
    await expectError(await request(randomNumber("+4930", 7, "FIXED_LINE"), { BLOCKED_NUMBER_TYPES: "fixed_line" }), 400, "phone_not_supported");
    // Only what is listed: a premium-rate number passes when the list names something else.
    expect((await request(randomNumber("+3389", 7, "PREMIUM_RATE"), { BLOCKED_NUMBER_TYPES: "fixed_line" })).status).toBe(200);
    await expectError(await request("+883140000000", { BLOCKED_NUMBER_TYPES: "voip" }), 400, "phone_not_supported");
    await expectError(await request(uniquePhone(), { BLOCKED_NUMBER_TYPES: "premium,mobile" }), 503, "service_misconfigured");
  });

  it("SEND-07: SMS_COUNTRIES_ALLOW and SMS_COUNTRIES_DENY decide which countries are sent codes", async () => {
    const india = uniquePhone();
    await expectError(await request(randomNumber("+447", 9, "MOBILE"), { SMS_COUNTRIES_ALLOW: "IN" }), 400, "phone_not_supported");
    expect((await request(india, { SMS_COUNTRIES_ALLOW: "IN,GB" })).status).toBe(200);
    await expectError(await request(uniquePhone(), { SMS_COUNTRIES_DENY: "IN" }), 400, "phone_not_supported");
    expect((await request(randomNumber("+336", 8, "MOBILE"), { SMS_COUNTRIES_DENY: "IN" })).status).toBe(200);
    // A non-geographic number has no country: an allow-list other than * refuses it even when its type is allowed.
    await expectError(await request("+883140000001", { SMS_COUNTRIES_ALLOW: "IN", BLOCKED_NUMBER_TYPES: "none" }), 400, "phone_not_supported");
    await expectError(await request(uniquePhone(), { SMS_COUNTRIES_ALLOW: "in" }), 503, "service_misconfigured");
  });
});
