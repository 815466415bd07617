import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { issueSession } from "../../src/domain/sessions";
import { advanceClock, call, expectError, PROFILES, services, signIn, useProfile } from "./helpers";

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

afterEach(() => {
  vi.restoreAllMocks();
});

interface SessionJson {
  id: string;
  current: boolean;
  createdAt: string;
  lastAuthAt: string;
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
  return (await issueSession(deps, user, { userAgent }, null, Date.now(), ["hwk", "user"])).token;
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
    expect(current.country).toBe("IN");
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
});
