import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PHONE_CHANGE_SENDS_PER_HOUR } from "../../src/domain/phone-change";
import { advanceClock, call, captureLogs, expectError, latestCode, PROFILES, uniqueIp, uniquePhone, useProfile, wrongCode, signInWith } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});


const requestChange = (token: string, phone: string) => call("/user/phone/request-otp", { body: { phone }, token, ip: uniqueIp() });
const verifyChange = (token: string, phone: string, otp: string) => call("/user/phone/verify-otp", { body: { phone, otp }, token, ip: uniqueIp() });

describe.each(PROFILES)("phone number change ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("a code to the new number moves the account: other sessions end, devices are forgotten, and the old number signs up as someone new", async () => {
    const logs = captureLogs();
    const [oldPhone, newPhone] = [uniquePhone(), uniquePhone()];
    const other = await signInWith(oldPhone);
    advanceClock(61_000);
    const me = await signInWith(oldPhone, other.deviceToken);
    // A stranger's wrong code for the old number: on the number's list, which goes with the user.
    advanceClock(122_000);
    expect((await call("/auth/request-otp", { body: { phone: oldPhone }, ip: uniqueIp() })).status).toBe(200);
    await call("/auth/verify-otp", { body: { phone: oldPhone, otp: wrongCode(await latestCode(oldPhone)) }, ip: uniqueIp() });
    expect((await requestChange(me.token, newPhone)).status).toBe(200);
    const code = await latestCode(newPhone);
    // A wrong code first: counted on the new number's ledger, nothing moves.
    await expectError(await verifyChange(me.token, newPhone, wrongCode(code)), 400, "otp_invalid");
    const res = await verifyChange(me.token, newPhone, code);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "changed", revokedSessions: 1 });
    expect((await call("/auth/check-session", { token: other.token })).status).toBe(401);
    const account = (await (await call("/user", { token: me.token })).json()) as { phone: string; devices: unknown[] };
    expect(account.phone.endsWith(newPhone.slice(-4))).toBe(true);
    expect(account.devices).toEqual([]);
    // The new number signs this user in; the old one makes a new user (an hour on: its sends are back).
    advanceClock(3_800_000);
    const viaNew = await signInWith(newPhone);
    expect(viaNew.user).toMatchObject({ id: me.user.id, isNewUser: false });
    const viaOld = await signInWith(oldPhone);
    expect(viaOld.user.isNewUser).toBe(true);
    expect(viaOld.user.id).not.toBe(me.user.id);
    // In the activity; logged without either number.
    const activity = (await (await call("/user/activity", { token: viaNew.token })).json()) as { entries: { event: string; outcome: string }[] };
    expect(activity.entries.some((e) => e.event === "account.phone_changed" && e.outcome === "success")).toBe(true);
    expect(activity.entries.some((e) => e.event === "otp.failed")).toBe(true);
    const theirs = (await (await call("/user/activity", { token: viaOld.token })).json()) as { entries: { event: string }[] };
    expect(theirs.entries.map((e) => e.event)).toEqual(["otp.verified"]);
    const lines = logs.filter((l) => l.includes('"event":"account.phone_changed"'));
    expect(lines).toHaveLength(1);
    for (const p of [oldPhone, newPhone]) expect(lines[0]).not.toContain(p.slice(1));
  });

  it("a number another account holds is refused with 409 phone_in_use only after its code was entered; the account keeps its number", async () => {
    const [mine, theirs] = [uniquePhone(), uniquePhone()];
    const me = await signInWith(mine);
    await signInWith(theirs);
    advanceClock(61_000);
    // Asking for a code says nothing about the number.
    expect((await requestChange(me.token, theirs)).status).toBe(200);
    await expectError(await verifyChange(me.token, theirs, await latestCode(theirs)), 409, "phone_in_use");
    const account = (await (await call("/user", { token: me.token })).json()) as { phone: string };
    expect(account.phone.endsWith(mine.slice(-4))).toBe(true);
    // The account's own number is not a change: refused before any code is sent.
    advanceClock(122_000);
    await expectError(await requestChange(me.token, mine), 400, "invalid_request");
    await expectError(await verifyChange(me.token, mine, "123456"), 400, "invalid_request");
  });

  it("OTP-10: only a phone_change code moves the account, and a phone_change code signs nobody in", async () => {
    const me = await signInWith(uniquePhone());
    const target = uniquePhone();
    // A sign-in code for the new number does not change the phone.
    expect((await call("/auth/request-otp", { body: { phone: target }, ip: uniqueIp() })).status).toBe(200);
    await expectError(await verifyChange(me.token, target, await latestCode(target)), 400, "otp_expired");
    // A phone_change code does not sign in.
    advanceClock(61_000);
    expect((await requestChange(me.token, target)).status).toBe(200);
    const code = await latestCode(target);
    await expectError(await call("/auth/verify-otp", { body: { phone: target, otp: code }, ip: uniqueIp() }), 400, "otp_invalid");
  });

  it("needs a recent authentication, at most PHONE_CHANGE_SENDS_PER_HOUR new-number codes an hour, and the number policy still applies", async () => {
    const me = await signInWith(uniquePhone());
    await expectError(await requestChange(me.token, "+881612345678"), 400, "phone_not_supported");
    for (let i = 0; i < PHONE_CHANGE_SENDS_PER_HOUR - 1; i++) expect((await requestChange(me.token, uniquePhone())).status).toBe(200);
    await expectError(await requestChange(me.token, uniquePhone()), 429, "rate_limited");
    advanceClock(601_000);
    await expectError(await requestChange(me.token, uniquePhone()), 401, "step_up_required");
    await expectError(await call("/user/phone/request-otp", { body: { phone: uniquePhone() }, ip: uniqueIp() }), 401, "unauthorized");
  });
});
