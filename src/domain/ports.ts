/**
 * Storage and delivery ports. Each has one contract suite (test/contracts)
 * run against every adapter, so the embedded and production profiles behave
 * the same. All times are epoch milliseconds passed in by the caller, so one
 * clock (the Worker's) decides expiry everywhere and tests can move it.
 */

export type OtpPurpose = "sign_in" | "step_up";

export interface OtpRecord {
  /** base64url HMAC-SHA-256 over purpose, phone and code (never the code). */
  digest: string;
  expiresAt: number;
}

export interface OtpStore {
  /** Stores a code for phone+purpose, replacing any earlier one (OTP-11). */
  put(phoneHash: string, purpose: OtpPurpose, record: OtpRecord): Promise<void>;
  /** The live record, or null when none exists or it expired at `now`. */
  get(phoneHash: string, purpose: OtpPurpose, now: number): Promise<OtpRecord | null>;
  /**
   * Deletes the record only if it still holds `digest` and is live: an atomic
   * compare-and-delete, so of many concurrent verifies one wins (OTP-04/05).
   */
  consume(phoneHash: string, purpose: OtpPurpose, digest: string, now: number): Promise<boolean>;
  /** Removes every pending code for the phone. */
  clear(phoneHash: string): Promise<void>;
}

export interface AttemptPolicy {
  maxAttempts: number;
  lockoutMs: number;
  /** Failures older than this are forgotten (a success forgets them at once). */
  windowMs: number;
}

export type AttemptDecision =
  | { allowed: true; attemptsRemaining: number }
  | { allowed: false; retryAfterMs: number };

/**
 * Strict per-phone counter of code attempts. `acquire` counts the attempt
 * before the code is checked, so concurrent guesses cannot all slip in
 * between a read and a write (OTP-06, OTP-13).
 */
export interface AttemptCounter {
  acquire(phoneHash: string, policy: AttemptPolicy, now: number): Promise<AttemptDecision>;
  /** A success clears the count and any lockout (OTP-08). */
  reset(phoneHash: string): Promise<void>;
  /** Milliseconds until the phone's lockout ends at `now`; 0 when it is not locked out. Counts nothing. */
  lockedFor(phoneHash: string, now: number): Promise<number>;
}

export interface RateRule {
  limit: number;
  windowMs: number;
}

export type RateDecision =
  | { allowed: true; remaining: number; token: string }
  | { allowed: false; retryAfterMs: number };

/** Sliding-window limits. A granted hit can be refunded by its token. */
export interface RateLimiter {
  hit(key: string, rule: RateRule, now: number): Promise<RateDecision>;
  refund(key: string, token: string): Promise<void>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** base64url SHA-256 of the token's jti; the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  lastAuthAt: number;
  expiresAt: number;
  userAgent: string | null;
  country: string | null;
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(userId: string, sessionId: string, now: number): Promise<SessionRecord | null>;
  /**
   * Replaces the token hash only if it still equals `expectedTokenHash`
   * (compare-and-set), so of two concurrent renewals one wins (SES-04).
   */
  rotate(userId: string, sessionId: string, expectedTokenHash: string, newTokenHash: string, now: number): Promise<boolean>;
  /** Returns whether a live session was removed. */
  revoke(userId: string, sessionId: string): Promise<boolean>;
  revokeAll(userId: string): Promise<number>;
  list(userId: string, now: number): Promise<SessionRecord[]>;
}

export interface UserRecord {
  id: string;
  phoneHash: string;
  createdAt: number;
  lastLoginAt: number | null;
  biometricEnabled: boolean;
  pinEnabled: boolean;
}

export interface UserStore {
  /** Idempotent under races: two concurrent first sign-ins give one user. */
  findOrCreateByPhone(
    phoneHash: string,
    phoneCiphertext: string,
    now: number,
  ): Promise<{ user: UserRecord; created: boolean }>;
  getById(id: string): Promise<UserRecord | null>;
  recordLogin(id: string, now: number): Promise<void>;
  /** Cheap round-trip used by /readyz. */
  ping(): Promise<void>;
  /** Releases per-request resources (a per-request database client), if any. */
  dispose?(): Promise<void>;
}

export interface SmsMessage {
  to: string;
  body: string;
}

export interface SmsSender {
  /**
   * Resolves when the provider accepted the message. Throws SmsSendError when
   * it definitely refused it, SmsSendUnconfirmed when the outcome is unknown.
   */
  send(message: SmsMessage): Promise<void>;
}

/** The provider answered and refused the message: it did not leave. */
export class SmsSendError extends Error {
  constructor(
    readonly reason: string,
    readonly providerStatus?: number,
    /** The provider's numeric error code (Twilio's 21211, ...), never its message text. */
    readonly providerCode?: number,
  ) {
    super(`sms send failed: ${reason}`);
    this.name = "SmsSendError";
  }
}

/**
 * No answer from the provider: the message may have left, so nothing is
 * refunded and the code stays valid. `timedOut` when the provider (or a
 * gateway in front of it) was still working on the request when we stopped
 * waiting; false when the connection failed (refused, lost, DNS), which
 * cannot rule out a send either but usually means the provider is not
 * reachable.
 */
export class SmsSendUnconfirmed extends Error {
  constructor(
    readonly reason: string,
    readonly timedOut: boolean,
  ) {
    super(`sms send unconfirmed: ${reason}`);
    this.name = "SmsSendUnconfirmed";
  }
}

export type AuthEventName =
  | "otp.requested"
  | "otp.sent"
  | "otp.send_failed"
  | "otp.send_unconfirmed"
  | "otp.verified"
  | "otp.failed"
  | "otp.locked"
  | "session.created"
  | "session.revoked"
  | "session.checked";

export interface AuthEvent {
  event: AuthEventName;
  outcome: "success" | "failure" | "denied";
  /** Keyed phone hash; the logger masks it. Never the phone itself. */
  phoneHash?: string;
  country?: string;
  userId?: string;
  sessionId?: string;
  reason?: string;
  /** HTTP status of a provider's refusal. */
  providerStatus?: number;
  /** The provider's numeric error code (never its message text). */
  providerCode?: number;
}

export interface AuthEventSink {
  emit(event: AuthEvent): void;
}
