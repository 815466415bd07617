import { AuthError } from "../errors";
import { constantTimeEqual, randomId, sha256, toBase64url } from "../lib/crypto";
import { signAccessToken, TokenError, verifyAccessToken, type SigningKey, type TokenOptions, type VerificationKey } from "../lib/jwt";
import type { AuthEventSink, SessionRecord, SessionStore, UserRecord, UserStore } from "./ports";

export interface SessionDeps {
  sessions: SessionStore;
  users: UserStore;
  events: AuthEventSink;
  signingKey: SigningKey;
  /** Every key whose tokens are still accepted (the signing key first). */
  verificationKeys: readonly VerificationKey[];
  token: TokenOptions & { ttlSeconds: number };
  /** A session unused this long ends (SESSION_IDLE_TIMEOUT_SECONDS); 0: off. */
  idleTimeoutMs: number;
  now: () => number;
  /**
   * Runs work the answer does not depend on after the response (Workers'
   * `waitUntil`); a failure is logged, never surfaced.
   */
  background: (task: string, work: () => Promise<unknown>) => void;
}

/** How finely a session's last use is kept: one write a minute at most, not one per request. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

export interface IssuedSession {
  token: string;
  expiresAt: number;
  user: UserRecord;
  session: SessionRecord;
  /** After a sign-in (not an unlock or renewal): the device's token for its next code requests (FRAUD-05). */
  deviceToken?: string;
}

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
  /** The presented token's id, needed to rotate it. */
  jti: string;
}

/** Hash under which a token's jti is stored (SES-05: the store never sees a raw token). */
export async function tokenHash(jti: string): Promise<string> {
  return toBase64url(await sha256(`jti.v1|${jti}`));
}

/** Creates a server-side session and the JWT that refers to it. */
export async function issueSession(
  deps: SessionDeps,
  user: UserRecord,
  client: { userAgent: string | null; country: string | null },
  now: number,
  amr: string[],
  risk?: SessionRecord["risk"],
  deviceId?: string,
): Promise<IssuedSession> {
  // 128-bit CSPRNG identifiers (SES-05).
  const sessionId = randomId(16);
  const jti = randomId(16);
  const iat = Math.floor(now / 1000);
  const exp = iat + deps.token.ttlSeconds;
  const session: SessionRecord = {
    id: sessionId,
    userId: user.id,
    tokenHash: await tokenHash(jti),
    createdAt: now,
    lastAuthAt: now,
    amr,
    lastSeenAt: now,
    expiresAt: exp * 1000,
    userAgent: client.userAgent ? client.userAgent.slice(0, 256) : null,
    country: client.country,
    ...(risk ? { risk } : {}),
    ...(deviceId ? { deviceId } : {}),
  };
  await deps.sessions.create(session);
  const token = await signAccessToken(deps.signingKey, deps.token, { sub: user.id, sid: sessionId, jti, iat, exp, auth_time: iat, amr });
  deps.events.emit({ event: "session.created", outcome: "success", userId: user.id, sessionId });
  return { token, expiresAt: exp * 1000, user, session };
}

/** Reads the bearer token from an Authorization header value. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
  return match ? match[1]! : null;
}

/**
 * Verifies the JWT and then the server-side session (SES-03): a token whose
 * session was revoked, rotated or whose user was deleted is refused at once,
 * even though its signature is still good.
 */
export async function authenticate(deps: SessionDeps, authorization: string | undefined): Promise<Authenticated> {
  const token = bearerToken(authorization);
  if (!token) throw new AuthError("unauthorized");
  const now = deps.now();
  let claims;
  try {
    claims = await verifyAccessToken(deps.verificationKeys, deps.token, token, Math.floor(now / 1000));
  } catch (err) {
    const reason = err instanceof TokenError ? err.reason : "invalid";
    deps.events.emit({ event: "session.checked", outcome: "denied", reason });
    throw new AuthError("unauthorized", { cause: err });
  }
  // Both lookups are keyed by the verified claims, so they run together.
  const [session, user, expectedHash] = await Promise.all([
    deps.sessions.get(claims.sub, claims.sid, now),
    deps.users.getById(claims.sub),
    tokenHash(claims.jti),
  ]);
  if (!session || !constantTimeEqual(expectedHash, session.tokenHash)) {
    deps.events.emit({ event: "session.checked", outcome: "denied", reason: session ? "token_rotated" : "session_gone", userId: claims.sub, sessionId: claims.sid });
    throw new AuthError("session_revoked");
  }
  if (!user) {
    deps.events.emit({ event: "session.checked", outcome: "denied", reason: "user_gone", userId: claims.sub, sessionId: claims.sid });
    throw new AuthError("session_revoked");
  }
  const lastSeen = lastSeenAt(session);
  if (isIdle(session, now, deps.idleTimeoutMs)) {
    // Why: a token left unused on a lost device should stop working by itself.
    deps.events.emit({ event: "session.revoked", outcome: "success", reason: "idle_timeout", userId: user.id, sessionId: session.id });
    deps.background("sessions.revoke-idle", () => deps.sessions.revoke(user.id, session.id));
    throw new AuthError("session_revoked");
  }
  if (now - lastSeen >= LAST_SEEN_GRANULARITY_MS) deps.background("sessions.touch", () => deps.sessions.touch(user.id, session.id, now));
  return { user, session, jti: claims.jti };
}

/** When the session was last used: sessions stored before `lastSeenAt` was kept fall back to their last authentication. */
export function lastSeenAt(session: SessionRecord): number {
  return Math.max(session.lastSeenAt ?? 0, session.lastAuthAt);
}

/**
 * Whether the idle timeout (0: off) has ended the session at `now`. A session
 * stored before last use was kept is not idle (its next use records it), so
 * turning the timeout on with this version signs no active user out.
 */
export function isIdle(session: SessionRecord, now: number, idleTimeoutMs: number): boolean {
  return idleTimeoutMs > 0 && session.lastSeenAt !== undefined && now - lastSeenAt(session) > idleTimeoutMs;
}

/**
 * Issues a new token for a live session and retires the old one (SES-04):
 * the session's stored token hash is swapped by compare-and-set, so the old
 * token fails its next check and two concurrent renewals cannot both win.
 * After an unlock (biometric, PIN) the session counts as freshly
 * authenticated; a plain renewal (`reauthenticated: false`) keeps its last
 * authentication, and never extends the session's absolute lifetime.
 */
export async function rotateToken(deps: SessionDeps, auth: Authenticated, reauthenticatedWith: string[] | null): Promise<IssuedSession> {
  const now = deps.now();
  const jti = randomId(16);
  const reauthenticated = reauthenticatedWith !== null;
  const swapped = await deps.sessions.rotate(auth.user.id, auth.session.id, await tokenHash(auth.jti), await tokenHash(jti), now, reauthenticatedWith);
  if (!swapped) throw new AuthError("session_revoked");
  const iat = Math.floor(now / 1000);
  const exp = Math.floor(auth.session.expiresAt / 1000);
  const lastAuthAt = reauthenticated ? now : auth.session.lastAuthAt;
  const amr = reauthenticatedWith ?? auth.session.amr ?? [];
  const token = await signAccessToken(deps.signingKey, deps.token, { sub: auth.user.id, sid: auth.session.id, jti, iat, exp, auth_time: Math.floor(lastAuthAt / 1000), amr });
  deps.events.emit({ event: "session.created", outcome: "success", userId: auth.user.id, sessionId: auth.session.id, reason: reauthenticated ? "unlocked" : "renewed" });
  return { token, expiresAt: exp * 1000, user: auth.user, session: { ...auth.session, lastAuthAt, amr, lastSeenAt: now } };
}

/** Ends one session; its token gets 401 from then on. */
export async function logout(deps: SessionDeps, auth: Authenticated): Promise<void> {
  await deps.sessions.revoke(auth.user.id, auth.session.id);
  deps.events.emit({ event: "session.revoked", outcome: "success", userId: auth.user.id, sessionId: auth.session.id, reason: "logout" });
}

export type UnlockMethod = "biometric" | "pin" | "sms";

/** A risky sign-in's session that has not been unlocked since (risk assessment: it does not count yet). */
export function riskPending(session: SessionRecord): boolean {
  return session.risk?.stepUp === true && session.lastAuthAt === session.createdAt;
}

export interface StepUp {
  required: boolean;
  /** How the user can unlock now: the methods they turned on and can use, or `sms` (step-up by code) when none is left. */
  methods: UnlockMethod[];
  reason?: "idle" | "pin_locked" | "risk";
}

/**
 * The app-start check: a user who turned on an unlock method is asked for it
 * once the session's last authentication is older than `unlockAfterMs`. Why:
 * the device holding a long-lived token may have changed hands; an unlock
 * proves the person is still there without a new SMS. Without a method
 * there is nothing to ask for, so the session stays usable as is. A PIN
 * locked by wrong guesses (PIN-03) is not offered, and a user whose only
 * method it was must step up with a code at once: someone has been guessing
 * on this session.
 */
export function stepUpFor(auth: Authenticated, now: number, unlockAfterMs: number, maxPinAttempts: number): StepUp {
  const pinLocked = auth.user.pinEnabled && auth.user.pinFailures >= maxPinAttempts;
  const methods: UnlockMethod[] = [];
  if (auth.user.biometricEnabled) methods.push("biometric");
  if (auth.user.pinEnabled && !pinLocked) methods.push("pin");
  if (pinLocked && methods.length === 0) return { required: true, methods: ["sms"], reason: "pin_locked" };
  // A sign-in the risk assessment found unusual: unlock before going on (the user has a method, or it would not be marked).
  if (riskPending(auth.session) && methods.length > 0) return { required: true, methods, reason: "risk" };
  const idle = now - auth.session.lastAuthAt > unlockAfterMs;
  return methods.length > 0 && idle ? { required: true, methods, reason: "idle" } : { required: false, methods };
}
