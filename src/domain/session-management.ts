import Bowser from "bowser";
import { AuthError } from "../errors";
import type { DeviceDeps } from "./devices";
import type { SessionRecord } from "./ports";
import { isIdle, lastSeenAt, type Authenticated, type SessionDeps } from "./sessions";

/** What a user sees of one of their sessions: never a token or its hash. */
export interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastAuthAt: string;
  /** The last authenticated request, to the minute. */
  lastSeenAt: string;
  /** RFC 8176 methods of the last authentication. */
  amr: string[];
  expiresAt: string;
  /** The User-Agent summarised (bowser, MIT); null when none was sent. */
  device: { browser: string | null; os: string | null; type: string | null; model: string | null } | null;
  country: string | null;
  /** The sign-in's risk assessment; null for sessions from before it was made. */
  risk: { score: number; reasons: string[] } | null;
}

/** Browser, OS and device kind of a User-Agent header; null fields where it does not say. */
export function summariseUserAgent(userAgent: string | null): SessionView["device"] {
  if (!userAgent) return null;
  const ua = Bowser.parse(userAgent);
  const named = (name: string | undefined, version: string | undefined): string | null => (name ? (version ? `${name} ${version}` : name) : null);
  return {
    browser: named(ua.browser.name, ua.browser.version?.split(".")[0]),
    os: named(ua.os.name, ua.os.version),
    type: ua.platform.type ?? null,
    model: ua.platform.model ?? null,
  };
}

function view(s: SessionRecord, currentId: string): SessionView {
  return {
    id: s.id,
    current: s.id === currentId,
    createdAt: new Date(s.createdAt).toISOString(),
    lastAuthAt: new Date(s.lastAuthAt).toISOString(),
    lastSeenAt: new Date(lastSeenAt(s)).toISOString(),
    amr: s.amr ?? [],
    expiresAt: new Date(s.expiresAt).toISOString(),
    device: summariseUserAgent(s.userAgent),
    country: s.country,
    risk: s.risk ? { score: s.risk.score, reasons: s.risk.reasons } : null,
  };
}

/** The user's live sessions, newest first (SES-06); one ended by the idle timeout is not live, even before it is swept. */
export async function listSessions(deps: SessionDeps, auth: Authenticated): Promise<SessionView[]> {
  const now = deps.now();
  const sessions = (await deps.sessions.list(auth.user.id, now)).filter((s) => !isIdle(s, now, deps.idleTimeoutMs));
  return sessions.sort((a, b) => b.createdAt - a.createdAt).map((s) => view(s, auth.session.id));
}

/** Revokes one of the user's own sessions (the current one included); another user's id answers like a missing one. */
export async function revokeSession(deps: SessionDeps, auth: Authenticated, sessionId: string): Promise<void> {
  if (!(await deps.sessions.revoke(auth.user.id, sessionId))) throw new AuthError("session_not_found");
  deps.events.emit({ event: "session.revoked", outcome: "success", userId: auth.user.id, sessionId, reason: sessionId === auth.session.id ? "logout" : "revoked_by_user" });
}

/**
 * Revokes every other session of the user, or all of them with
 * `includeCurrent`; returns how many ended. Recognised devices (FRAUD-05) go
 * too, but the current session's: a device token signs nobody in, but it
 * does keep a device out of the anonymous budget and off the risk score's
 * `new_device`, which a lost phone should no longer get.
 */
export async function logoutAll(deps: SessionDeps & Pick<DeviceDeps, "devices">, auth: Authenticated, includeCurrent: boolean): Promise<number> {
  const userId = auth.user.id;
  const now = deps.now();
  const keepDevice = includeCurrent ? null : (auth.session.deviceId ?? null);
  // Sessions first: they are what signs people in; a device store that fails after them leaves less behind.
  let revoked: number;
  if (includeCurrent) {
    revoked = await deps.sessions.revokeAll(userId);
  } else {
    const others = (await deps.sessions.list(userId, now)).filter((s) => s.id !== auth.session.id);
    const results = await Promise.all(others.map((s) => deps.sessions.revoke(userId, s.id)));
    revoked = results.filter(Boolean).length;
  }
  await deps.devices.revokeAllForUser(userId, keepDevice, now);
  deps.events.emit({ event: "session.revoked", outcome: "success", userId, sessionId: auth.session.id, reason: includeCurrent ? "logout_all" : "logout_others" });
  return revoked;
}
