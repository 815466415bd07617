import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ERASURE_GRACE_MS, eraseAccount, resumeErasures } from "../../src/domain/erasure";
import { runScheduled } from "../../src/scheduled";
import type { Env } from "../../src/env";
import { SoftDeviceKey } from "../support/soft-authenticator";
import { enrolDeviceKey, useDeviceKey } from "./biometric-helpers";
import { advanceClock, call, captureLogs, expectError, latestCode, pinFor, PROFILES, services, testEnv, uniqueIp, uniquePhone, useProfile, wrongCode, signInWith, type SignedInDevice as SignedIn } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});


describe.each(PROFILES)("account endpoints ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("GET /user: the masked phone, methods, credentials and recognised devices, never a secret", async () => {
    const phone = "+9198" + String(10_000_000 + Math.floor(Math.random() * 89_999_999));
    const signedIn = await signInWith(phone);
    const key = await SoftDeviceKey.create("ES256");
    expect((await enrolDeviceKey(signedIn.token, key)).status).toBe(200);
    const res = await call("/user", { token: signedIn.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = (await res.json()) as Record<string, unknown> & { phone: string; methods: unknown; credentials: { type: string }[]; devices: { id: string }[] };
    expect(body.phone).toBe(`+91 ••••• •${phone.slice(-4)}`);
    expect(body.methods).toEqual({ sms: true, biometric: true, pin: false });
    expect(body.credentials.map((c) => c.type)).toEqual(["device_key"]);
    expect(body.devices.map((d) => d.id)).toEqual([signedIn.deviceToken.split(".")[0]]);
    const text = JSON.stringify(body);
    for (const secret of [phone, phone.slice(1), signedIn.deviceToken.split(".")[1]!, "publicKey", "secretHash", "tokenHash"]) expect(text).not.toContain(secret);
    await expectError(await call("/user"), 401, "unauthorized");
  });

  it("DATA-03: the user exports everything held about them as one JSON attachment, after a recent authentication", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    const signedIn = await signInWith(phone);
    const key = await SoftDeviceKey.create("ES256");
    expect((await enrolDeviceKey(signedIn.token, key)).status).toBe(200);
    const res = await call("/user/export", { token: signedIn.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="account-export.json"');
    expect(res.headers.get("cache-control")).toContain("no-store");
    const data = (await res.json()) as {
      format: string;
      user: { id: string; phone: string };
      methods: unknown;
      sessions: { current: boolean }[];
      credentials: { type: string; platform: string | null }[];
      devices: { id: string }[];
    };
    expect(data.format).toBe("edge-phone-auth.export.v1");
    expect(data.user).toMatchObject({ id: signedIn.user.id, phone });
    expect(data.methods).toEqual({ sms: true, biometric: true, pin: { enabled: false, wrongAttempts: 0 } });
    expect(data.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(data.credentials).toHaveLength(1);
    expect(data.devices.map((d) => d.id)).toEqual([signedIn.deviceToken.split(".")[0]]);
    expect((data as unknown as { activity: { event: string }[] }).activity.map((e) => e.event)).toEqual(["biometric.enrolled", "otp.verified"]);
    for (const secret of [signedIn.deviceToken.split(".")[1]!, "publicKey", "secretHash", "tokenHash", (await key.publicKeySpki()).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "").slice(0, 60)]) expect(JSON.stringify(data)).not.toContain(secret);
    // Logged as an event of the user, with no phone number in it.
    const line = logs.find((l) => l.includes('"event":"account.exported"'));
    expect(line).toBeDefined();
    expect(line).not.toContain(phone.slice(1));
    // An old sign-in is not enough.
    advanceClock(601_000);
    await expectError(await call("/user/export", { token: signedIn.token }), 401, "step_up_required");
  });

  it("DATA-02: DELETE /user erases the user and everything keyed by them or the phone; the token dies at once and the phone signs up as someone new", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    const first = await signInWith(phone);
    const key = await SoftDeviceKey.create("ES256");
    expect((await enrolDeviceKey(first.token, key)).status).toBe(200);
    expect((await call("/auth/pin", { body: { pin: pinFor(phone) }, token: first.token })).status).toBe(204);
    advanceClock(61_000);
    const second = await signInWith(phone, first.deviceToken);
    // A pending code and some wrong guesses on the phone.
    advanceClock(122_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    const pending = await latestCode(phone);
    await call("/auth/verify-otp", { body: { phone, otp: wrongCode(pending) }, ip: uniqueIp() });

    // The user's own counters: a PIN check spends user:pin, a wrong PIN counts on this session.
    expect((await call("/auth/verify-pin", { body: { pin: "000000" }, token: second.token })).status).toBe(400);
    const deps0 = await services();
    const verifyRule = { limit: deps0.policy.ipVerifyLimit, windowMs: deps0.policy.ipWindowSeconds * 1000 };
    const userPinUsed = await deps0.ipLimiter.hit(`user:pin:${first.user.id}`, verifyRule, Date.now());
    // The PIN set and the PIN check came first (@upstash/ratelimit weighs the previous window, so at least one shows).
    expect(userPinUsed.allowed && userPinUsed.remaining).toBeLessThan(verifyRule.limit - 1);

    const res = await call("/user", { method: "DELETE", token: second.token });
    expect(res.status).toBe(204);
    // Forgotten with the account: the next hit is the first in its window.
    expect(await deps0.ipLimiter.hit(`user:pin:${first.user.id}`, verifyRule, Date.now())).toMatchObject({ allowed: true, remaining: verifyRule.limit - 1 });
    // Every token of the user: 401 at once.
    for (const token of [first.token, second.token]) expect((await call("/auth/check-session", { token })).status).toBe(401);
    // The device key no longer signs anyone in.
    expect((await useDeviceKey(key)).status).toBe(401);
    // The pending code was erased with the phone's counters.
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: pending }, ip: uniqueIp() }), 400, "otp_expired");
    // The phone signs up as a new user; the old device token is not recognised.
    advanceClock(183_000);
    const again = await signInWith(phone, second.deviceToken);
    expect(again.user.isNewUser).toBe(true);
    expect(again.user.id).not.toBe(first.user.id);
    const deps = await services();
    expect(await deps.users.getById(first.user.id)).toBeNull();
    expect(await deps.credentials.list(first.user.id)).toEqual([]);
    expect(await deps.devices.listForUser(first.user.id, Date.now())).toEqual([]);
    expect(await deps.sessions.list(first.user.id, Date.now())).toEqual([]);
    expect((await deps.erasures.pending(Date.now() + 1, 10_000)).some((j) => j.userId === first.user.id)).toBe(false);
    // One event, under the tombstone id: never the user id or the phone.
    const erased = logs.filter((l) => l.includes('"event":"account.erased"'));
    expect(erased).toHaveLength(1);
    expect(erased[0]).not.toContain(first.user.id);
    expect(erased[0]).toMatch(/"userId":"t_[0-9a-f]{32}"/);
  });

  /** A signed-in user whose erasure failed half-way: the session store failed, so everything after the user row is left undone. */
  async function halfErased(): Promise<{ signedIn: SignedIn; deps: Awaited<ReturnType<typeof services>>; user: { id: string; phoneHash: string } }> {
    const signedIn = await signInWith(uniquePhone());
    const deps = await services();
    const user = (await deps.users.getById(signedIn.user.id))!;
    const broken = await services({ sessions: { ...deps.sessions, revokeAll: () => Promise.reject(new Error("session store down")) } });
    expect(await eraseAccount(broken, user.id, user.phoneHash)).toBe("pending");
    return { signedIn, deps, user };
  }

  it("DATA-02: an erasure that fails half-way is journalled, closes the account at once, and is finished later by the scheduled handler", async () => {
    const logs = captureLogs();
    const { signedIn, deps, user } = await halfErased();
    expect(logs.some((l) => l.includes('"event":"account.erase_incomplete"'))).toBe(true);
    // Closed already: the token is refused and the phone signs up anew.
    expect((await call("/auth/check-session", { token: signedIn.token })).status).toBe(401);
    const job = (await deps.erasures.pending(Date.now(), 10_000)).find((j) => j.userId === user.id);
    expect(job).toMatchObject({ attempts: 1, phoneHash: user.phoneHash });
    expect((await call("/readyz")).status).toBe(200);
    expect(((await (await call("/readyz")).json()) as { openErasures: number }).openErasures).toBeGreaterThanOrEqual(1);
    // A resume within the grace period leaves it alone (it may still be running).
    await resumeErasures(deps, ERASURE_GRACE_MS);
    expect((await deps.erasures.pending(Date.now(), 10_000)).some((j) => j.userId === user.id)).toBe(true);
    // The scheduled handler, after the grace period: finished.
    advanceClock(ERASURE_GRACE_MS + 1000);
    const waits: Promise<unknown>[] = [];
    await runScheduled({ ...testEnv, ...profile.settings } as Env, {}, (w) => void waits.push(w));
    await Promise.all(waits);
    expect((await deps.erasures.pending(Date.now(), 10_000)).some((j) => j.userId === user.id)).toBe(false);
    expect(await deps.sessions.list(user.id, Date.now())).toEqual([]);
    expect(logs.some((l) => l.includes('"event":"account.erased"') && l.includes('"reason":"resumed"'))).toBe(true);
  });

  it("DATA-02: self-hosted, where no cron fires, POST /admin/resume-erasures finishes it (ADMIN_TOKEN; 401 without it)", async () => {
    const ADMIN_TOKEN = "admin-token-0123456789abcdefghijklmnopqrstuv";
    const { deps, user } = await halfErased();
    const resume = (token?: string): Promise<Response> => call("/admin/resume-erasures", { method: "POST", settings: { ADMIN_TOKEN }, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    await expectError(await resume(), 401, "unauthorized");
    await expectError(await resume("wrong-token-0123456789abcdefghijklmnopqrstuv"), 401, "unauthorized");
    // Within the grace period it may still be running: left alone.
    const early = (await (await resume(ADMIN_TOKEN)).json()) as { finished: number; open: number };
    expect(early.open).toBeGreaterThanOrEqual(1);
    expect((await deps.erasures.pending(Date.now(), 10_000)).some((j) => j.userId === user.id)).toBe(true);
    advanceClock(ERASURE_GRACE_MS + 1000);
    const res = await resume(ADMIN_TOKEN);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { finished: number }).finished).toBeGreaterThanOrEqual(1);
    expect((await deps.erasures.pending(Date.now(), 10_000)).some((j) => j.userId === user.id)).toBe(false);
    expect(await deps.sessions.list(user.id, Date.now())).toEqual([]);
  });

  it("SES-07, DATA-02: erasing needs a recent authentication, and a journal that cannot be written erases nothing", async () => {
    const signedIn = await signInWith(uniquePhone());
    advanceClock(601_000);
    await expectError(await call("/user", { method: "DELETE", token: signedIn.token }), 401, "step_up_required");
    const deps = await services();
    const user = (await deps.users.getById(signedIn.user.id))!;
    const noJournal = await services({ erasures: { ...deps.erasures, open: () => Promise.reject(new Error("journal down")) } });
    await expect(eraseAccount(noJournal, user.id, user.phoneHash)).rejects.toThrow("journal down");
    expect(await deps.users.getById(user.id)).not.toBeNull();
  });

  it("LOG-01: the user's activity lists their sign-ins, wrong codes for their number, PIN events and revocations, newest first, paginated, with the network cut to /24", async () => {
    const logs = captureLogs();
    const phone = uniquePhone();
    // A stranger guesses a code for the number before its owner signs in: the phone's list.
    expect((await call("/auth/request-otp", { body: { phone }, ip: "198.51.100.77" })).status).toBe(200);
    await call("/auth/verify-otp", { body: { phone, otp: wrongCode(await latestCode(phone)) }, ip: "198.51.100.77", country: "FR" });
    advanceClock(61_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: "203.0.113.9" })).status).toBe(200);
    const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip: "203.0.113.9", country: "IN" });
    const { token, user } = (await res.json()) as SignedIn;
    expect((await call("/auth/pin", { body: { pin: pinFor(phone) }, token, ip: "203.0.113.9" })).status).toBe(204);
    expect((await call("/auth/verify-pin", { body: { pin: "000000" }, token, ip: "203.0.113.9" })).status).toBe(400);
    const page = async (cursor?: string) =>
      (await (await call(`/user/activity?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token })).json()) as {
        entries: { id: string; event: string; outcome: string; network?: string; country?: string }[];
        nextCursor: string | null;
      };
    const seen: { id: string; event: string; outcome: string; network?: string; country?: string }[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const p = await page(cursor);
      seen.push(...p.entries);
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    expect(seen.map((e) => e.event)).toEqual(["pin.failed", "pin.set", "otp.verified", "otp.failed"]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(4);
    expect(seen.find((e) => e.event === "otp.verified")).toMatchObject({ outcome: "success", network: "203.0.113.0/24", country: "IN" });
    expect(seen.find((e) => e.event === "otp.failed")).toMatchObject({ outcome: "failure", network: "198.51.100.0/24", country: "FR" });
    const text = JSON.stringify(seen);
    for (const secret of [phone.slice(1), user.id, "203.0.113.9", "198.51.100.77"]) expect(text).not.toContain(secret);
    // The log lines carry the same cut network and the request's country, never the address.
    const logged = logs.filter((l) => l.includes('"type":"auth_event"'));
    expect(logged.some((l) => l.includes('"network":"203.0.113.0/24"') && l.includes('"requestCountry":"IN"'))).toBe(true);
    expect(logged.some((l) => l.includes("203.0.113.9") || l.includes("198.51.100.77"))).toBe(false);
    // Retention: with AUDIT_RETENTION_DAYS=1, two days later nothing is listed.
    advanceClock(2 * 86_400_000);
    const later = await call("/user/activity", { token, settings: { AUDIT_RETENTION_DAYS: "1" } });
    expect(later.status).toBe(200);
    expect(((await later.json()) as { entries: unknown[] }).entries).toEqual([]);
    await expectError(await call("/user/activity?cursor=NOT-A-CURSOR", { token: (await signInWith(uniquePhone())).token }), 400, "invalid_request");
  });

  it("DATA-02: an erased user's activity is pseudonymised: the next owner of the number sees none of it", async () => {
    const phone = uniquePhone();
    const first = await signInWith(phone);
    // A wrong code for the number: kept on the phone's list, which goes too.
    advanceClock(61_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    await call("/auth/verify-otp", { body: { phone, otp: wrongCode(await latestCode(phone)) }, ip: uniqueIp() });
    // A revocation: its event names the session, its activity entry must not.
    expect((await call("/auth/logout-all", { method: "POST", token: first.token })).status).toBe(200);
    expect((await call("/user", { method: "DELETE", token: first.token })).status).toBe(204);
    advanceClock(122_000);
    const next = await signInWith(phone);
    const entries = ((await (await call("/user/activity", { token: next.token })).json()) as { entries: { event: string }[] }).entries;
    expect(entries.map((e) => e.event)).toEqual(["otp.verified"]);
    // The old entries live on under the tombstone id only.
    const deps = await services();
    const { tombstoneId } = await import("../../src/domain/erasure");
    const tomb = await deps.audit.list(`tomb:${await tombstoneId(deps.keys, first.user.id)}`, null, 10, 0);
    expect(tomb.map((e) => e.event)).toContain("otp.verified");
    // No session id: log lines pair those with user ids, which would undo the pseudonym.
    expect(tomb.find((e) => e.event === "session.revoked")).toBeDefined();
    for (const e of tomb) expect(e).not.toHaveProperty("sessionId");
    expect(await deps.audit.list(`user:${first.user.id}`, null, 10, 0)).toEqual([]);
  });

  it("PATCH /user: validated preferences; the consent's change time is the server's; concurrent patches both land; the display name names the passkey", async () => {
    const { token } = await signInWith(uniquePhone());
    const patch = (body: unknown) => call("/user", { method: "PATCH", body, token });
    const first = await patch({ locale: "en-gb", displayName: "  Asha  ", marketingConsent: true });
    expect(first.status).toBe(200);
    const p1 = (await first.json()) as { locale: string; displayName: string; marketingConsent: boolean; marketingConsentChangedAt: string };
    expect(p1).toMatchObject({ locale: "en-GB", displayName: "Asha", marketingConsent: true });
    expect(Date.parse(p1.marketingConsentChangedAt)).toBeGreaterThan(Date.now() - 60_000);
    // The same consent again: its time stays; withdrawn: a new time.
    advanceClock(5000);
    const same = (await (await patch({ marketingConsent: true })).json()) as typeof p1;
    expect(same.marketingConsentChangedAt).toBe(p1.marketingConsentChangedAt);
    const withdrawn = (await (await patch({ marketingConsent: false })).json()) as typeof p1;
    expect(Date.parse(withdrawn.marketingConsentChangedAt)).toBeGreaterThan(Date.parse(p1.marketingConsentChangedAt));
    // Bad input: a clear 400, nothing changed.
    for (const body of [{}, { locale: "not a locale!" }, { displayName: "a\u0000b" }, { displayName: "   " }, { displayName: "x".repeat(65) }, { displayName: "\u0958".repeat(64) }, { locale: "en-u-ca-islamicc-co-phonebk-nu-latn" }, { marketingConsent: "yes" }, { theme: "dark" }]) {
      await expectError(await patch(body), 400, "invalid_request");
    }
    await expectError(await call("/user", { method: "PATCH", rawBody: "locale=en", headers: { "content-type": "application/x-www-form-urlencoded" }, token }), 415, "unsupported_media_type");
    // Two patches at once, each of another field: both land.
    const results = await Promise.all([patch({ locale: "hi-IN" }), patch({ displayName: "Asha K" }), patch({ marketingConsent: true })]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const account = (await (await call("/user", { token })).json()) as { preferences: typeof p1 };
    expect(account.preferences).toMatchObject({ locale: "hi-IN", displayName: "Asha K", marketingConsent: true });
    // The passkey's display name.
    const options = (await (await call("/auth/webauthn/registration-options", { method: "POST", token })).json()) as { user: { displayName: string; name: string } };
    expect(options.user.displayName).toBe("Asha K");
    expect(options.user.name).toContain("•");
    // Consent changes are in the activity.
    const activity = (await (await call("/user/activity", { token })).json()) as { entries: { event: string; reason?: string }[] };
    expect(activity.entries.filter((e) => e.event === "account.consent_changed").map((e) => e.reason)).toEqual(["marketing_given", "marketing_withdrawn", "marketing_given"]);
    await expectError(await call("/user", { method: "PATCH", body: { locale: "en" } }), 401, "unauthorized");
  });

  it("DATA-02: a user row that cannot be deleted fails the request (the token keeps working, nothing is half-closed) and the job is finished later", async () => {
    const signedIn = await signInWith(uniquePhone());
    const deps = await services();
    const user = (await deps.users.getById(signedIn.user.id))!;
    const broken = await services({ users: { ...deps.users, deleteUser: () => Promise.reject(new Error("user store down")) } });
    await expect(eraseAccount(broken, user.id, user.phoneHash)).rejects.toThrow("user store down");
    // Not "pending": the account is not closed, and says so by still working.
    expect((await call("/auth/check-session", { token: signedIn.token })).status).toBe(200);
    expect((await deps.erasures.pending(Date.now(), 10_000)).find((j) => j.userId === user.id)).toMatchObject({ attempts: 1 });
    advanceClock(ERASURE_GRACE_MS + 1000);
    await resumeErasures(deps, ERASURE_GRACE_MS);
    expect((await call("/auth/check-session", { token: signedIn.token })).status).toBe(401);
    expect(await deps.users.getById(user.id)).toBeNull();
  });

  it("DATA-02: an erasure resumed after the number signed up again leaves the new owner's codes and activity alone", async () => {
    const phone = uniquePhone();
    const old = await signInWith(phone);
    const deps = await services();
    const user = (await deps.users.getById(old.user.id))!;
    const broken = await services({ sessions: { ...deps.sessions, revokeAll: () => Promise.reject(new Error("session store down")) } });
    expect(await eraseAccount(broken, user.id, user.phoneHash)).toBe("pending");
    // The number's next owner signs up, gets a wrong code counted, and has a code pending.
    advanceClock(61_000);
    const next = await signInWith(phone);
    advanceClock(122_000);
    expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp() })).status).toBe(200);
    const pending = await latestCode(phone);
    await call("/auth/verify-otp", { body: { phone, otp: wrongCode(pending) }, ip: uniqueIp() });
    const before = ((await (await call("/user/activity", { token: next.token })).json()) as { entries: { event: string }[] }).entries.map((e) => e.event);
    expect(before).toEqual(["otp.failed", "otp.verified"]);
    advanceClock(ERASURE_GRACE_MS + 1000);
    expect(await resumeErasures(deps, ERASURE_GRACE_MS)).toMatchObject({ failed: 0 });
    expect((await deps.erasures.pending(Date.now(), 10_000)).some((j) => j.userId === user.id)).toBe(false);
    const after = ((await (await call("/user/activity", { token: next.token })).json()) as { entries: { event: string }[] }).entries.map((e) => e.event);
    expect(after).toEqual(before);
    // The new owner's pending code still signs in (its ledger was not erased).
    expect((await call("/auth/verify-otp", { body: { phone, otp: pending }, ip: uniqueIp() })).status).toBe(200);
  });
});
