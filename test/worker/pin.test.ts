import { decodeJwt } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { issueSession } from "../../src/domain/sessions";
import { advanceClock, call, captureLogs, expectError, latestCode, pinFor, PROFILES, services, signIn, testEnv, uniqueIp, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A PIN that is not `pin` and passes the body schema. */
const otherPin = (pin: string): string => (pin === "907153" ? "907154" : "907153");

const setPin = (token: string, pin: string) => call("/auth/pin", { body: { pin }, token });
const verifyPin = (token: string, pin: string) => call("/auth/verify-pin", { body: { pin }, token });
const check = async (token: string) => {
  const res = await call("/auth/check-session", { token });
  expect(res.status).toBe(200);
  return (await res.json()) as { user: { pinEnabled: boolean }; session: { lastAuthAt: string }; stepUp: { required: boolean; methods: string[]; reason?: string } };
};

/** A signed-in user with a PIN set. */
async function withPin(): Promise<{ token: string; phone: string; pin: string; userId: string }> {
  const { token, phone, user } = await signIn();
  const pin = pinFor(phone);
  expect((await setPin(token, pin)).status).toBe(204);
  return { token, phone, pin, userId: user.id };
}

/** Another session of the same user, as a sign-in on a second device would make (without resetting anything). */
async function secondSession(userId: string): Promise<string> {
  const deps = await services();
  const user = (await deps.users.getById(userId))!;
  return (await issueSession(deps, user, { userAgent: null, country: null }, Date.now(), ["sms"])).token;
}

interface StoredPin {
  pin_record: string | null;
  pin_enabled: number;
  pin_failures: number;
}

const storedPin = (userId: string) => testEnv.DB.prepare("SELECT pin_record, pin_enabled, pin_failures FROM users WHERE id = ?1").bind(userId).first<StoredPin>();

describe.each(PROFILES)("PIN unlock ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("PIN-01: a PIN unlocks only the session of the token sent with it: new token, same session, amr pin; never a sign-in", async () => {
    const { token, pin } = await withPin();
    advanceClock(901_000);
    expect((await check(token)).stepUp).toEqual({ required: true, methods: ["pin"], reason: "idle" });
    const res = await verifyPin(token, pin);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { pinEnabled: boolean } };
    expect(body.user.pinEnabled).toBe(true);
    // The old token is refused at once; the new one is for the same session, freshly authenticated.
    await expectError(await call("/auth/check-session", { token }), 401, "session_revoked");
    const before = decodeJwt(token);
    const after = decodeJwt(body.token);
    expect(after.sid).toBe(before.sid);
    expect(after.amr).toEqual(["pin"]);
    expect(after.auth_time).toBeGreaterThan(before.auth_time as number);
    expect(after.exp).toBe(before.exp);
    expect((await check(body.token)).stepUp).toEqual({ required: false, methods: ["pin"] });

    // Without a live session a PIN gets nothing, right or not.
    await expectError(await call("/auth/verify-pin", { body: { pin } }), 401, "unauthorized");
    await expectError(await verifyPin(token, pin), 401, "session_revoked");
    const bad = await call("/auth/verify-pin", { body: { pin, phone: "+919876543210" } });
    expect(bad.status).toBe(401);
    await call("/auth/logout", { method: "POST", token: body.token });
    await expectError(await verifyPin(body.token, pin), 401, "session_revoked");
  });

  it("PIN-01: of concurrent right PINs on one token exactly one unlocks (the token rotates once)", async () => {
    const { token, pin } = await withPin();
    const results = await Promise.all(Array.from({ length: 4 }, () => verifyPin(token, pin)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it("PIN-02: weak PINs are refused with the rule they broke; length follows PIN_MIN_LENGTH", async () => {
    const { token, phone } = await signIn();
    const national = phone.slice(3);
    for (const [pin, reason] of [
      ["111111", "repeated"],
      ["123456", "sequence"],
      ["987654", "sequence"],
      ["123123", "common"],
      [`${national.slice(2, 8)}`, "from_phone"],
    ] as const) {
      const body = await expectError(await setPin(token, pin), 400, "pin_too_weak");
      expect((body.error as { reason?: string }).reason).toBe(reason);
    }
    for (const pin of ["12a456", "", "1234567890", pinFor(phone, 5)]) await expectError(await setPin(token, pin), 400, "invalid_request");
    // A shorter minimum is a setting.
    expect((await call("/auth/pin", { body: { pin: pinFor(phone, 4) }, token, settings: { PIN_MIN_LENGTH: "4" } })).status).toBe(204);
    expect((await check(token)).user.pinEnabled).toBe(true);
  });

  it("PIN-02: stored as a peppered PBKDF2-SHA-256 record at 100,000 iterations with a 16-byte salt; never the PIN", async () => {
    const a = await withPin();
    const row = await storedPin(a.userId);
    expect(row?.pin_enabled).toBe(1);
    expect(row?.pin_record).not.toContain(a.pin);
    const record = JSON.parse(row!.pin_record!) as { alg: string; iterations: number; salt: string; hash: string; pepperVersion: number };
    expect(record).toMatchObject({ alg: "pbkdf2-sha256", iterations: 100_000, pepperVersion: 1 });
    expect(record.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(record.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Setting the same PIN again gives a new salt and hash.
    expect((await setPin(a.token, a.pin)).status).toBe(204);
    const again = JSON.parse((await storedPin(a.userId))!.pin_record!) as { salt: string; hash: string };
    expect(again.salt).not.toBe(record.salt);
    expect(again.hash).not.toBe(record.hash);
    // The pepper is part of the hash: under another PIN_PEPPER the right PIN fails.
    const other = await call("/auth/verify-pin", { body: { pin: a.pin }, token: a.token, settings: { PIN_PEPPER: "p".repeat(43) } });
    await expectError(other, 400, "pin_invalid");
    expect((await verifyPin(a.token, a.pin)).status).toBe(200);
  });

  it("SES-07: setting, changing and removing a PIN need a recent authentication; a PIN unlock is not one", async () => {
    const { token, pin, phone } = await withPin();
    advanceClock(601_000);
    await expectError(await setPin(token, otherPin(pin)), 401, "step_up_required");
    const denied = await call("/auth/pin", { method: "DELETE", token });
    await expectError(denied, 401, "step_up_required");
    expect(denied.headers.get("www-authenticate")).toMatch(/error="insufficient_user_authentication".*max_age=600/);
    // A PIN unlock opens the session but not the sensitive routes (PIN-01):
    // whoever guessed a PIN must not be able to enrol a passkey or change the PIN.
    const unlocked = (await (await verifyPin(token, pin)).json()) as { token: string };
    await expectError(await call("/auth/pin", { method: "DELETE", token: unlocked.token }), 401, "step_up_required");
    await expectError(await setPin(unlocked.token, otherPin(pin)), 401, "step_up_required");
    await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token: unlocked.token }), 401, "step_up_required");
    // A step-up code does count.
    expect((await call("/auth/step-up/request-otp", { method: "POST", token: unlocked.token, ip: uniqueIp() })).status).toBe(200);
    const stepped = await call("/auth/step-up/verify-otp", { body: { otp: await latestCode(phone) }, token: unlocked.token, ip: uniqueIp() });
    const fresh = ((await stepped.json()) as { token: string }).token;
    expect((await call("/auth/pin", { method: "DELETE", token: fresh })).status).toBe(204);
    expect((await check(fresh)).user.pinEnabled).toBe(false);
    await expectError(await call("/auth/pin", { method: "DELETE", token: fresh }), 404, "pin_not_set");
    await expectError(await verifyPin(fresh, pin), 404, "pin_not_set");
  });

  it("PIN-03: 5 wrong PINs end the guessing session and turn PIN unlock off, the right PIN included, until the next sign-in by code", async () => {
    const { token, phone, pin, userId } = await withPin();
    const other = await secondSession(userId);
    for (let left = 4; left >= 1; left--) {
      const body = await expectError(await verifyPin(token, otherPin(pin)), 400, "pin_invalid");
      expect(body.error.attemptsRemaining).toBe(left);
    }
    await expectError(await verifyPin(token, otherPin(pin)), 403, "pin_locked");
    // The token that guessed is finished.
    await expectError(await verifyPin(token, pin), 401, "session_revoked");
    await expectError(await call("/auth/check-session", { token }), 401, "session_revoked");
    // The user's other sessions stay, but PIN unlock is off for them too.
    await expectError(await verifyPin(other, pin), 403, "pin_locked");
    expect((await storedPin(userId))?.pin_failures).toBe(5);
    // The app-start check stops offering the PIN and asks for a code at once.
    expect((await check(other)).stepUp).toEqual({ required: true, methods: ["sms"], reason: "pin_locked" });
    // A new sign-in by code turns it back on.
    advanceClock(61_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    const signedIn = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip: uniqueIp() });
    expect(signedIn.status).toBe(200);
    // recordLogin runs after the answer; call() waits for it like waitUntil.
    expect((await storedPin(userId))?.pin_failures).toBe(0);
    expect((await verifyPin(other, pin)).status).toBe(200);
  });

  it("PIN-03: a right PIN clears the user's count, but a session's own wrong PINs are never cleared: a stolen token cannot guess again each time its owner unlocks", async () => {
    const { token, pin, userId } = await withPin();
    const owner = await secondSession(userId);
    for (let i = 0; i < 4; i++) await expectError(await verifyPin(token, otherPin(pin)), 400, "pin_invalid");
    // The owner unlocks on their own device: the user's count is cleared...
    const ownerUnlocked = (await (await verifyPin(owner, pin)).json()) as { token: string };
    expect((await storedPin(userId))?.pin_failures).toBe(0);
    // ...but the guessing session's next wrong PIN is its 5th: it ends, PIN unlock stays on for the owner.
    await expectError(await verifyPin(token, otherPin(pin)), 403, "pin_locked");
    await expectError(await call("/auth/check-session", { token }), 401, "session_revoked");
    const body = await expectError(await verifyPin(ownerUnlocked.token, otherPin(pin)), 400, "pin_invalid");
    expect(body.error.attemptsRemaining).toBe(3);
  });

  it("PIN-03: a step-up by code turns a locked PIN back on", async () => {
    const { token, pin, phone, userId } = await withPin();
    const other = await secondSession(userId);
    for (let i = 0; i < 5; i++) await verifyPin(token, otherPin(pin));
    await expectError(await verifyPin(other, pin), 403, "pin_locked");
    advanceClock(61_000);
    expect((await call("/auth/step-up/request-otp", { method: "POST", token: other, ip: uniqueIp() })).status).toBe(200);
    const stepped = await call("/auth/step-up/verify-otp", { body: { otp: await latestCode(phone) }, token: other, ip: uniqueIp() });
    expect(stepped.status).toBe(200);
    const fresh = ((await stepped.json()) as { token: string }).token;
    expect((await verifyPin(fresh, pin)).status).toBe(200);
  });

  it("PIN-03: of 20 concurrent wrong PINs at most 5 are checked; then even the right PIN is refused", async () => {
    const { token, pin, userId } = await withPin();
    const other = await secondSession(userId);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyPin(token, otherPin(pin))));
    const codes = await Promise.all(results.map(async (r) => ((await r.json()) as { error: { code: string } }).error.code));
    expect(codes.filter((c) => c === "pin_invalid")).toHaveLength(4);
    // The rest are refused as locked, or (once the 5th wrong PIN ended it) find the session gone.
    expect(codes.filter((c) => c === "pin_locked").length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c !== "pin_invalid" && c !== "pin_locked" && c !== "session_revoked")).toEqual([]);
    expect((await storedPin(userId))?.pin_failures).toBe(5);
    await expectError(await verifyPin(other, pin), 403, "pin_locked");
  });

  it("a biometric user with a locked PIN is offered biometric only; the body is checked before anything is counted", async () => {
    const { token, pin, userId } = await withPin();
    await testEnv.DB.prepare("UPDATE users SET biometric_enabled = 1, pin_failures = 5 WHERE id = ?1").bind(userId).run();
    expect((await check(token)).stepUp).toEqual({ required: false, methods: ["biometric"] });
    advanceClock(901_000);
    expect((await check(token)).stepUp).toEqual({ required: true, methods: ["biometric"], reason: "idle" });
    await testEnv.DB.prepare("UPDATE users SET pin_failures = 0 WHERE id = ?1").bind(userId).run();
    for (const body of [{ pin: "12a4" }, { pin: "123" }, { pin: "123456789" }, { pin: 123456 }, { pin, extra: 1 }, {}]) {
      await expectError(await call("/auth/verify-pin", { body, token }), 400, "invalid_request");
    }
    await expectError(await call("/auth/verify-pin", { rawBody: `{"pin":"${pin}"}`, token }), 415, "unsupported_media_type");
    expect((await storedPin(userId))?.pin_failures).toBe(0);
  });

  it("LOG-01: PIN events are logged without the PIN, its hash or the token", async () => {
    const logs = captureLogs();
    const { token, pin, userId } = await withPin();
    await verifyPin(token, otherPin(pin));
    const ok = (await (await verifyPin(token, pin)).json()) as { token: string };
    const record = (await storedPin(userId))!.pin_record!;
    const events = logs.filter((l) => l.includes('"event":"pin.'));
    expect(events.map((l) => (JSON.parse(l) as { event: string; outcome: string }).event)).toEqual(["pin.set", "pin.failed", "pin.verified"]);
    const hash = (JSON.parse(record) as { hash: string }).hash;
    for (const line of logs) {
      expect(line).not.toContain(pin);
      expect(line).not.toContain(otherPin(pin));
      expect(line).not.toContain(hash);
      expect(line).not.toContain(token);
      expect(line).not.toContain(ok.token);
    }
  });

  it("every PIN set or check spends the user's PIN budget (IP_VERIFY_LIMIT per window), so a token cannot loop the KDF", async () => {
    const { token, pin } = await withPin();
    const tight = { IP_VERIFY_LIMIT: "3" };
    // withPin's set spent one unit; a second set and a wrong PIN spend the other two.
    expect((await call("/auth/pin", { body: { pin }, token, settings: tight })).status).toBe(204);
    await expectError(await call("/auth/verify-pin", { body: { pin: otherPin(pin) }, token, settings: tight }), 400, "pin_invalid");
    const refused = await call("/auth/verify-pin", { body: { pin }, token, settings: tight });
    await expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(await call("/auth/pin", { body: { pin: otherPin(pin) }, token, settings: tight }), 429, "rate_limited");
    // A refusal by the budget counted no wrong PIN.
    expect(((await (await call("/auth/verify-pin", { body: { pin: otherPin(pin) }, token })).json()) as { error: { attemptsRemaining: number } }).error.attemptsRemaining).toBe(3);
  });
});
