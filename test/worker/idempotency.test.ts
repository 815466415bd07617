import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sha256, toBase64url } from "../../src/lib/crypto";
import { bodyFingerprint } from "../../src/lib/keys";
import { advanceClock, call, expectError, PROFILES, services, signIn, twilioReceived, twilioScenario, twilioSettings, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

// Through the Twilio provider (the local fake), so every paid send is counted.
const request = (phone: string, key: string | null, extra: { body?: string; ip?: string } = {}) =>
  call("/auth/request-otp", {
    rawBody: extra.body ?? JSON.stringify({ phone }),
    headers: { "content-type": "application/json", ...(key === null ? {} : { "idempotency-key": key }) },
    ip: extra.ip ?? uniqueIp(),
    settings: twilioSettings(),
  });

describe.each(PROFILES)("Idempotency-Key on request-otp ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("FRAUD-07: a retry with the same key and body gets the first answer and sends no second SMS", async () => {
    const phone = uniquePhone();
    const key = crypto.randomUUID();
    const first = await request(phone, key);
    expect(first.status).toBe(200);
    const body = await first.text();
    const retry = await request(phone, key);
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await twilioReceived(phone)).toHaveLength(1);
    // Without the key the same retry is a new request (refused by the resend cooldown).
    await expectError(await request(phone, null), 429, "rate_limited");
    // After 10 minutes the key is forgotten: it runs again (and the cooldown has long passed).
    advanceClock(601_000);
    expect((await request(phone, key)).headers.get("idempotent-replayed")).toBeNull();
    expect(await twilioReceived(phone)).toHaveLength(2);
  });

  it("FRAUD-07: the same key with another body is refused (422) and sends nothing", async () => {
    const key = crypto.randomUUID();
    const phone = uniquePhone();
    const other = uniquePhone();
    expect((await request(phone, key)).status).toBe(200);
    await expectError(await request(other, key), 422, "idempotency_key_reused");
    // Byte for byte: the same JSON spelled differently is another body.
    await expectError(await request(phone, key, { body: JSON.stringify({ phone }, null, 1) }), 422, "idempotency_key_reused");
    expect(await twilioReceived(other)).toHaveLength(0);
  });

  it("FRAUD-07: of 6 concurrent requests with one key exactly one sends; the others wait (409) or get its answer", async () => {
    const phone = uniquePhone();
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 6 }, () => request(phone, key)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("idempotency_key_in_use");
      expect(r.headers.get("retry-after")).toBe("1");
    }
    expect(await twilioReceived(phone)).toHaveLength(1);
  });

  it("FRAUD-07: a refusal is replayed too (Retry-After counted down), and a provider refusal is not retried with the same key", async () => {
    const phone = uniquePhone();
    expect((await request(phone, null)).status).toBe(200);
    const key = crypto.randomUUID();
    const refused = await request(phone, key);
    await expectError(refused, 429, "rate_limited");
    advanceClock(20_000);
    const again = await request(phone, key);
    await expectError(again, 429, "rate_limited");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(Number(refused.headers.get("retry-after")) - 19);

    const unlucky = uniquePhone();
    await twilioScenario(unlucky, { status: 400, code: 21211 });
    const keyed = crypto.randomUUID();
    await expectError(await request(unlucky, keyed), 502, "sms_send_failed");
    await twilioScenario(unlucky, {});
    await expectError(await request(unlucky, keyed), 502, "sms_send_failed");
    expect(await twilioReceived(unlucky)).toHaveLength(0);
    // A new key is a new request.
    expect((await request(unlucky, crypto.randomUUID())).status).toBe(200);
  });

  it("DATA-01: the stored body fingerprint is keyed: a plain SHA-256 of the body (which holds the number) does not match it", async () => {
    const phone = uniquePhone();
    const key = crypto.randomUUID();
    const body = JSON.stringify({ phone });
    expect((await request(phone, key)).status).toBe(200);
    const svc = await services();
    const id = toBase64url(await sha256(`idem.v1|request-otp|${key}`));
    // The record is found (same key id) but a guessed number's plain hash is not its fingerprint.
    expect(await svc.idempotency.claim(id, toBase64url(await sha256(body)), svc.now(), 60_000)).toEqual({ status: "mismatch" });
    expect(await svc.idempotency.claim(id, await bodyFingerprint(svc.keys, body), svc.now(), 60_000)).toMatchObject({ status: "replay" });
  });

  it("a malformed key is refused before anything runs", async () => {
    const phone = uniquePhone();
    for (const key of ["", "x".repeat(256), "has space", "ключ"]) {
      const res = await call("/auth/request-otp", { body: { phone }, headers: { "idempotency-key": key }, ip: uniqueIp() });
      await expectError(res, 400, "invalid_request");
    }
  });

  it("FRAUD-07: step-up codes take a key too, per user: one user's key never replays another's answer", async () => {
    const a = await signIn();
    const b = await signIn();
    advanceClock(61_000);
    const key = crypto.randomUUID();
    const stepUp = (token: string) => call("/auth/step-up/request-otp", { method: "POST", token, headers: { "idempotency-key": key }, ip: uniqueIp(), settings: twilioSettings() });
    expect((await stepUp(a.token)).headers.get("idempotent-replayed")).toBeNull();
    expect((await stepUp(b.token)).headers.get("idempotent-replayed")).toBeNull();
    expect((await stepUp(a.token)).headers.get("idempotent-replayed")).toBe("true");
    expect(await twilioReceived(a.phone)).toHaveLength(1);
    expect(await twilioReceived(b.phone)).toHaveLength(1);
  });
});
