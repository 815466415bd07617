import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { issueSession } from "../../src/domain/sessions";
import { advanceClock, call, expectError, PROFILES, requestCode, services, signIn, uniqueIp, uniquePhone, useProfile } from "./helpers";

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

afterEach(() => {
  vi.restoreAllMocks();
});

interface SessionJson {
  id: string;
  current: boolean;
  createdAt: string;
  lastAuthAt: string;
  lastSeenAt: string;
  expiresAt: string;
  device: { browser: string | null; os: string | null; type: string | null; model: string | null } | null;
  country: string | null;
}

const check = (token: string) => call("/auth/check-session", { token });
const sessionsOf = async (token: string): Promise<SessionJson[]> => {
  const res = await call("/auth/sessions", { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { sessions: SessionJson[] }).sessions;
};

/** A second session for the same user, as another device's sign-in would make. */
async function anotherSession(userId: string, userAgent: string | null): Promise<string> {
  const deps = await services();
  const user = (await deps.users.getById(userId))!;
  return (await issueSession(deps, user, { userAgent, country: null }, Date.now(), ["hwk", "user"])).token;
}

describe.each(PROFILES)("renewal and session management ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("SES-04: renew gives a new token for the same session; the old one is refused; expiry and last authentication stay", async () => {
    const { token } = await signIn();
    const before = ((await (await check(token)).json()) as { session: { id: string; lastAuthAt: string } }).session;
    advanceClock(30_000);
    const res = await call("/auth/renew", { method: "POST", token });
    expect(res.status).toBe(200);
    const renewed = (await res.json()) as { token: string; expiresAt: string };
    await expectError(await check(token), 401, "session_revoked");
    const after = ((await (await check(renewed.token)).json()) as { session: { id: string; lastAuthAt: string } }).session;
    expect(after).toEqual(before);
    const [listed] = await sessionsOf(renewed.token);
    expect(listed!.expiresAt).toBe(renewed.expiresAt);
  });

  it("SES-04: of concurrent renewals of one token exactly one wins", async () => {
    const { token } = await signIn();
    const results = await Promise.all(Array.from({ length: 5 }, () => call("/auth/renew", { method: "POST", token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it("SES-07: a renewal is not a re-authentication: it does not satisfy recent-authentication routes", async () => {
    const { token } = await signIn();
    advanceClock(601_000);
    const renewed = ((await (await call("/auth/renew", { method: "POST", token })).json()) as { token: string }).token;
    await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token: renewed }), 401, "step_up_required");
  });

  it("SES-06: lists the user's sessions (current marked, device summarised, no token) and revokes one; another user's id is 404", async () => {
    const me = await signIn();
    const phoneToken = await anotherSession(me.user.id, IPHONE);
    const sessions = await sessionsOf(me.token);
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s) => s.current)!;
    const other = sessions.find((s) => !s.current)!;
    expect(other.device).toEqual({ browser: "Safari 17", os: "iOS 17.4", type: "mobile", model: "iPhone" });
    expect(current.country).toBeNull();
    const text = JSON.stringify(sessions);
    for (const secret of [me.token, phoneToken, "tokenHash"]) expect(text).not.toContain(secret);

    const stranger = await signIn();
    await expectError(await call(`/auth/sessions/${other.id}`, { method: "DELETE", token: stranger.token }), 404, "session_not_found");
    expect((await check(phoneToken)).status).toBe(200);
    expect((await call(`/auth/sessions/${other.id}`, { method: "DELETE", token: me.token })).status).toBe(204);
    await expectError(await check(phoneToken), 401, "session_revoked");
    expect((await check(me.token)).status).toBe(200);
    await expectError(await call(`/auth/sessions/${other.id}`, { method: "DELETE", token: me.token }), 404, "session_not_found");
    expect((await sessionsOf(me.token)).map((s) => s.id)).toEqual([current.id]);
  });

  it("SES-06: logout-all ends every other session, or all of them with includeCurrent=true", async () => {
    const me = await signIn();
    const others = [await anotherSession(me.user.id, IPHONE), await anotherSession(me.user.id, null)];
    const stranger = await signIn();
    const res = await call("/auth/logout-all", { method: "POST", token: me.token });
    expect(await res.json()).toEqual({ revoked: 2 });
    for (const t of others) await expectError(await check(t), 401, "session_revoked");
    expect((await check(me.token)).status).toBe(200);
    expect((await check(stranger.token)).status).toBe(200);
    const all = await call("/auth/logout-all?includeCurrent=true", { method: "POST", token: me.token });
    expect(await all.json()).toEqual({ revoked: 1 });
    await expectError(await check(me.token), 401, "session_revoked");
    await expectError(await call("/auth/logout-all?includeCurrent=maybe", { method: "POST", token: stranger.token }), 400, "invalid_request");
  });

  it("SES-06: a session's country is the sign-in request's (Cloudflare's cf.country), not the phone number's", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const code = await requestCode(phone, ip);
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip, country: "DE" });
    const { token } = (await res.json()) as { token: string };
    const [listed] = await sessionsOf(token);
    expect(listed!.country).toBe("DE");
    // Cloudflare's "unknown" is no country.
    const unknown = await signIn();
    expect((await sessionsOf(unknown.token))[0]!.country).toBeNull();
  });

  it("SES-06: last seen follows use, kept to the minute (one write a minute, not one per request)", async () => {
    const { token } = await signIn();
    const [first] = await sessionsOf(token);
    expect(first!.lastSeenAt).toBe(first!.createdAt);
    advanceClock(30_000);
    expect((await sessionsOf(token))[0]!.lastSeenAt).toBe(first!.createdAt);
    advanceClock(90_000);
    await check(token);
    const seen = new Date((await sessionsOf(token))[0]!.lastSeenAt).getTime();
    expect(seen - new Date(first!.createdAt).getTime()).toBeGreaterThanOrEqual(90_000);
    expect((await sessionsOf(token))[0]!.lastAuthAt).toBe(first!.lastAuthAt);
  });

  it("SESSION_IDLE_TIMEOUT_SECONDS: a session unused that long ends; use keeps it alive; off by default", async () => {
    const idle = { SESSION_IDLE_TIMEOUT_SECONDS: "600" };
    const kept = await signIn();
    const dropped = { token: await anotherSession(kept.user.id, null) };
    advanceClock(400_000);
    expect((await call("/auth/check-session", { token: kept.token, settings: idle })).status).toBe(200);
    advanceClock(800_000);
    // kept was used 400 s ago, dropped 800 s ago.
    expect((await call("/auth/check-session", { token: kept.token, settings: idle })).status).toBe(200);
    // An idle session is gone from the list before anyone presents it again.
    const listed = await call("/auth/sessions", { token: kept.token, settings: idle });
    expect(((await listed.json()) as { sessions: SessionJson[] }).sessions.map((x) => x.current)).toEqual([true]);
    expect((await sessionsOf(kept.token)).length).toBe(2);
    await expectError(await call("/auth/check-session", { token: dropped.token, settings: idle }), 401, "session_revoked");
    // Revoked for good, not only refused while the setting is on.
    await expectError(await check(dropped.token), 401, "session_revoked");
    // Without the setting, sessions end only at their absolute expiry.
    const plain = await signIn();
    advanceClock(30 * 86_400_000 - 1000);
    expect((await check(plain.token)).status).toBe(200);
  });

  it("SESSION_IDLE_TIMEOUT_SECONDS: a session stored before last use was kept is not signed out when the timeout is turned on", async () => {
    const { token, user } = await signIn();
    const deps = await services();
    const [session] = await deps.sessions.list(user.id, Date.now());
    // As a session written by the previous version: no lastSeenAt, authenticated long ago.
    const { lastSeenAt: _seen, ...old } = { ...session!, lastAuthAt: Date.now() - 86_400_000 };
    await deps.sessions.create(old);
    const idle = { SESSION_IDLE_TIMEOUT_SECONDS: "600" };
    expect((await call("/auth/check-session", { token, settings: idle })).status).toBe(200);
    // That use recorded it; from now on the timeout applies.
    advanceClock(601_000);
    await expectError(await call("/auth/check-session", { token, settings: idle }), 401, "session_revoked");
  });
});
