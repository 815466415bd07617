import type { AuthEvent, AuthEventName, AuthEventSink } from "./ports";

/**
 * The user's own audit trail (issue 11): every auth event about them is a
 * log line (LOG-01) and, for the events below, also an entry in a bounded,
 * expiring list they can read (`GET /user/activity`). Entries hold what a
 * person needs to recognise their own activity (what, when, the outcome,
 * the method, the country and the network) and nothing that identifies
 * anyone: no phone, no user id, no full address, and no session id (log
 * lines pair session ids with user ids, which would tie an erased user's
 * pseudonymised trail back to them).
 */

/** Events a person sees in their activity: sign-ins and unlocks, failures and lockouts, method changes, revocations, exports. */
export const AUDITED_EVENTS: ReadonlySet<AuthEventName> = new Set<AuthEventName>([
  "otp.verified",
  "otp.failed",
  "otp.locked",
  "biometric.enrolled",
  "biometric.verified",
  "biometric.failed",
  "credential.removed",
  "pin.set",
  "pin.removed",
  "pin.verified",
  "pin.failed",
  "pin.locked",
  "session.revoked",
  "account.exported",
  "account.consent_changed",
  "account.phone_changed",
]);

/** Newest first; never more than this many per subject. */
export const AUDIT_MAX_ENTRIES = 500;

export interface AuditEntry {
  /** Orders entries: milliseconds × 1000 + a random tiebreak, so two events in one millisecond both keep their place. */
  seq: number;
  at: number;
  event: AuthEventName;
  outcome: AuthEvent["outcome"];
  reason?: string;
  purpose?: string;
  credentialKind?: string;
  /** Cloudflare's country of the request. */
  country?: string;
  /** The request's network: IPv4 /24 or IPv6 /48. */
  network?: string;
}

/**
 * Per-subject audit lists (contract: test/contracts/audit-store.contract.ts).
 * A subject is `user:{userId}`, `phone:{phoneHash}` (events before the user
 * is known: wrong codes and lockouts of the number) or `tomb:{tombstoneId}`
 * (an erased user's, pseudonymised).
 */
export interface AuditStore {
  /** Adds an entry; entries older than `retentionMs` and beyond AUDIT_MAX_ENTRIES go in the same step. */
  append(subject: string, entry: AuditEntry, retentionMs: number): Promise<void>;
  /** Up to `limit` entries with `seq` below `before` (null: from the newest), newest first, none older than `notBefore`. */
  list(subject: string, before: number | null, limit: number, notBefore: number): Promise<AuditEntry[]>;
  /** Moves every entry of `from` to `to` (phone → user at a phone change; user → tombstone at an erasure). */
  move(from: string, to: string, retentionMs: number): Promise<void>;
}

export const userSubject = (userId: string): string => `user:${userId}`;
export const phoneSubject = (phoneHash: string): string => `phone:${phoneHash}`;
export const tombSubject = (tombstoneId: string): string => `tomb:${tombstoneId}`;

/** What the request adds to every event: its network and country. */
export interface RequestMeta {
  network: string | null;
  country: string | null;
}

/**
 * Tees auth events into the audit trail, off the critical path: a store
 * that fails loses an entry (logged), never a sign-in. Events about a user
 * go to the user's list; OTP events before the user is known, to the
 * phone's (the activity view reads both).
 */
export class AuditingEventSink implements AuthEventSink {
  constructor(
    private readonly inner: AuthEventSink,
    private readonly store: AuditStore,
    private readonly request: RequestMeta,
    private readonly retentionMs: number,
    private readonly now: () => number,
    private readonly background: (task: string, work: () => Promise<unknown>) => void,
  ) {}

  emit(event: AuthEvent): void {
    this.inner.emit(event);
    if (!AUDITED_EVENTS.has(event.event)) return;
    const subject = event.userId ? userSubject(event.userId) : event.phoneHash ? phoneSubject(event.phoneHash) : null;
    if (!subject) return;
    const at = this.now();
    const entry: AuditEntry = {
      seq: at * 1000 + Math.floor(Math.random() * 1000),
      at,
      event: event.event,
      outcome: event.outcome,
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.purpose ? { purpose: event.purpose } : {}),
      ...(event.credentialKind ? { credentialKind: event.credentialKind } : {}),
      ...(this.request.country ? { country: this.request.country } : {}),
      ...(this.request.network ? { network: this.request.network } : {}),
    };
    this.background("audit.append", () => this.store.append(subject, entry, this.retentionMs));
  }
}

export interface ActivityPage {
  entries: AuditEntry[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** The user's activity, newest first: their own list merged with their phone's. */
export async function listActivity(
  deps: { audit: AuditStore; auditRetentionMs: number; now: () => number },
  user: { id: string; phoneHash: string },
  cursor: string | null,
  limit: number,
): Promise<ActivityPage> {
  const before = cursor === null ? null : Number.parseInt(cursor, 36);
  const notBefore = deps.now() - deps.auditRetentionMs;
  const [mine, phone] = await Promise.all([
    deps.audit.list(userSubject(user.id), before, limit + 1, notBefore),
    deps.audit.list(phoneSubject(user.phoneHash), before, limit + 1, notBefore),
  ]);
  const merged = [...mine, ...phone].sort((a, b) => b.seq - a.seq);
  const entries = merged.slice(0, limit);
  const nextCursor = merged.length > limit ? entries.at(-1)!.seq.toString(36) : null;
  return { entries, nextCursor };
}
