/**
 * Storage and delivery ports. Each has one contract suite (test/contracts)
 * run against every adapter, so the embedded and production profiles behave
 * the same. All times are epoch milliseconds passed in by the caller, so one
 * clock (the Worker's) decides expiry everywhere and tests can move it.
 */

import type { PinHashRecord } from "../lib/pin-hash";
import type { Preferences } from "./preferences";

export type OtpPurpose = "sign_in" | "step_up" | "phone_change";
export const OTP_PURPOSES: readonly OtpPurpose[] = ["sign_in", "step_up", "phone_change"];

export interface OtpRecord {
  /** base64url HMAC-SHA-256 over purpose, phone and code (never the code). */
  digest: string;
  expiresAt: number;
  /** Names the issue that stored it, so only that issue can withdraw it. */
  ticket: string;
}

export interface IssuePolicy {
  ttlMs: number;
  /** Minimum time between two sends to one phone. */
  cooldownMs: number;
  /** Sends per phone in any 60-minute window. */
  maxSendsPerHour: number;
}

export type IssueRefusal = "locked_out" | "resend_cooldown" | "hourly_limit";

export type IssueOutcome = { issued: true; ticket: string } | { issued: false; reason: IssueRefusal; retryAfterMs: number };

export type CheckOutcome<T> =
  | {
      status: "verified";
      /** The consumed code, for `restore` if the sign-in cannot complete. */
      record: OtpRecord;
      /** The result of `onMatch`, started as soon as the guess was known right. */
      matched: Promise<T>;
      /** Tidying the answer does not wait for (run after the response), or null. */
      followUp: (() => Promise<void>) | null;
    }
  /** No live code: none was issued, it expired, or it was already used. */
  | { status: "no_code"; reason: "no_live_code" | "already_used" }
  | { status: "locked"; retryAfterMs: number }
  | { status: "wrong"; attemptsRemaining: number };

/**
 * The per-phone state machine of codes, one method per step (see
 * src/domain/phone-ledger.ts for the rules), so each adapter decides how few
 * round trips a step takes and every step is atomic.
 */
export interface OtpLedger {
  /**
   * Stores a code for phone+purpose (replacing any earlier one, OTP-11) and
   * takes a send slot, unless the phone is locked out, in its resend
   * cooldown or out of its hourly quota.
   */
  issue(phoneHash: string, purpose: OtpPurpose, digest: string, policy: IssuePolicy, now: number): Promise<IssueOutcome>;
  /**
   * Undoes an issue whose code never left: frees its slot and takes its code
   * back (unless replaced since), making the code it replaced pending again.
   */
  withdraw(phoneHash: string, purpose: OtpPurpose, ticket: string, now: number): Promise<void>;
  /**
   * Checks a guess digest with attempt counting and single-use consumption.
   * `onMatch` is work the caller needs only when the guess is right (finding
   * the user); the adapter starts it as soon as it knows the guess matched,
   * in parallel with its own last hop. Its result is dropped when the check
   * ends otherwise, so it must be safe to run for a right guess that is then
   * refused (a lockout).
   */
  check<T>(
    phoneHash: string,
    purpose: OtpPurpose,
    guessDigest: string,
    policy: AttemptPolicy,
    now: number,
    onMatch: () => Promise<T>,
  ): Promise<CheckOutcome<T>>;
  /** Puts back a consumed code unless it expired or a newer one is pending. */
  restore(phoneHash: string, purpose: OtpPurpose, record: OtpRecord, now: number): Promise<void>;
  /** Erases everything held under the key (codes, sends, attempts, lockouts): an account erasure (DATA-02). */
  erase(phoneHash: string): Promise<void>;
  /** One cheap round trip to the code storage, for /readyz. */
  ping(): Promise<void>;
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
  /** Forgets everything about the key, lockout history included (an account erasure). */
  erase(phoneHash: string): Promise<void>;
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
  /** Forgets every hit of the key under `rule` (an account erasure: the per-user counters). */
  reset(key: string, rule: RateRule, now: number): Promise<void>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** base64url SHA-256 of the token's jti; the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  lastAuthAt: number;
  /** RFC 8176 methods of the last authentication (`sms`; `hwk`/`swk` + `user`; `pin`); absent on sessions stored before it was kept. */
  amr?: string[];
  /** Last authenticated request, to the minute (see `touch`); absent on sessions stored before it was kept. */
  lastSeenAt?: number;
  /** The sign-in's risk assessment (src/domain/risk.ts); `stepUp`: it must be unlocked before it counts. Absent on older sessions. */
  risk?: { score: number; reasons: string[]; stepUp: boolean };
  /** The recognised device (FRAUD-05) the sign-in handed a token to, so "sign out other sessions" can keep it; absent when none. */
  deviceId?: string;
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
   * `reauthenticatedWith` (an unlock: its RFC 8176 methods) also sets
   * `lastAuthAt` to `now` and `amr`; null (a plain renewal) leaves both.
   */
  rotate(userId: string, sessionId: string, expectedTokenHash: string, newTokenHash: string, now: number, reauthenticatedWith: string[] | null): Promise<boolean>;
  /**
   * Marks a live session used at `now` (its `lastSeenAt`), never moving it
   * back. Best effort: callers run it after the answer, at most once a minute.
   */
  touch(userId: string, sessionId: string, now: number): Promise<void>;
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
  /** Wrong PINs since the last right one or the last sign-in (0 without a PIN). */
  pinFailures: number;
  /** Cloudflare's country of the last sign-in (before this one); null when unknown. */
  lastCountry: string | null;
}

/** A stored PIN: the KDF record of src/lib/pin-hash.ts (never the PIN). */
export type PinRecord = PinHashRecord;

/**
 * `counted`: this attempt is counted before the PIN is checked, and
 * `failuresBefore` were counted before it. `locked`: `maxAttempts` wrong
 * PINs are counted already. `not_set`: the user has no PIN (or is gone).
 */
export type PinAttempt =
  | { status: "counted"; record: PinRecord; failuresBefore: number }
  | { status: "locked" }
  | { status: "not_set" };

export interface UserStore {
  /** Idempotent under races: two concurrent first sign-ins give one user. */
  findOrCreateByPhone(
    phoneHash: string,
    phoneCiphertext: string,
    now: number,
  ): Promise<{ user: UserRecord; created: boolean }>;
  getById(id: string): Promise<UserRecord | null>;
  /** A sign-in (OTP, passkey, device key): records it and clears the wrong-PIN count (PIN-03). */
  recordLogin(id: string, now: number, country?: string | null): Promise<void>;
  /** Sets or replaces the PIN, clearing its wrong-PIN count; false when there is no such user. */
  setPin(id: string, pin: PinRecord, now: number): Promise<boolean>;
  /** Removes the PIN; false when there was none. */
  removePin(id: string): Promise<boolean>;
  /**
   * Counts one PIN attempt before the PIN is checked, in one atomic step,
   * unless `maxAttempts` are counted already: of any number of concurrent
   * wrong PINs at most `maxAttempts` are ever checked (PIN-03).
   */
  countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt>;
  /** A right PIN or a step-up code (a sign-in or biometric unlock clears it through recordLogin): the count goes back to 0. */
  clearPinFailures(id: string): Promise<void>;
  /** The user's encrypted phone number (for what a passkey manager shows), or null when there is no such user. */
  phoneCiphertext(id: string): Promise<string | null>;
  /** The user's preferences (the defaults when never set), or null when there is no such user. */
  preferences(id: string): Promise<Preferences | null>;
  /** Stores `next` if the stored version is still `expectedVersion` (compare-and-set); false when it changed meanwhile or there is no such user. */
  putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean>;
  /**
   * Moves the user to another phone: the blind index and the ciphertext are
   * replaced in one write. `in_use` when another user holds that phone (the
   * unique index decides, so two users racing for one number cannot both
   * get it); `gone` when there is no such user.
   */
  changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone">;
  /** Up to `limit` users whose phone ciphertext is not under key `currentKeyId` (for re-encryption). */
  staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]>;
  /** Replaces the phone ciphertext if it is still `expected` (compare-and-set: a phone change meanwhile wins); false otherwise. */
  replaceCiphertext(id: string, expected: string, next: string): Promise<boolean>;
  /** Whether a user holds this phone hash now (an erasure resumed later must not touch a new owner's number). */
  phoneHeld(phoneHash: string): Promise<boolean>;
  /** Deletes the user (and credentials stored with it); idempotent. From then on the phone signs up as someone new (DATA-02). */
  deleteUser(id: string): Promise<void>;
  /** Cheap round-trip used by /readyz. */
  ping(): Promise<void>;
  /** Releases per-request resources (a per-request database client), if any. */
  dispose?(): Promise<void>;
}

export interface SmsMessage {
  to: string;
  /** The whole text (template, autofill lines). */
  body: string;
  /** The code and its lifetime, for providers that fill a registered template themselves (MSG91 under India's DLT rules). */
  code: string;
  minutes: number;
  /** Signed back to us with the delivery receipt (see src/domain/delivery-receipts.ts); no phone number in it. */
  receiptTag?: string | undefined;
}

/** The SMS providers an operator can choose (SMS_PROVIDER, SMS_FALLBACK_PROVIDER). */
export type SmsProviderName = "console" | "twilio" | "sns" | "msg91";

/** What a provider answered when it took a message or a call. */
export interface SentMessage {
  /** The provider's id for it (Twilio SM…/CA…, SNS MessageId, MSG91 request id); null when it gave none. */
  messageId: string | null;
}

export interface SmsSender {
  readonly provider: SmsProviderName;
  /**
   * Resolves when the provider accepted the message. Throws SmsSendError when
   * it definitely refused it, SmsSendUnconfirmed when the outcome is unknown.
   */
  send(message: SmsMessage): Promise<SentMessage>;
}

/** A code read aloud: each line one utterance, in `language` (a BCP 47 tag the voice provider knows). */
export interface VoiceMessage {
  to: string;
  language: string;
  lines: readonly string[];
  /** What the call says first when a key press gates the code (VOICE_KEYPRESS). */
  prompt: { language: string; text: string };
  /** The sealed words (src/domain/voice-gate.ts): with it, the call asks for a key press before it says them. */
  gateToken?: string | undefined;
  /** As SmsMessage's. */
  receiptTag?: string | undefined;
}

/** Places a call that reads a code (channel "voice"); errors as SmsSender's. */
export interface VoiceCaller {
  readonly provider: SmsProviderName;
  call(message: VoiceMessage): Promise<SentMessage>;
}

/** The provider answered and refused the message: it did not leave. */
export class SmsSendError extends Error {
  constructor(
    readonly reason: string,
    readonly providerStatus?: number,
    /** The provider's numeric error code (Twilio's 21211, ...), never its message text. */
    readonly providerCode?: number,
    /** The provider's error name where it has names, not numbers (AWS's InvalidParameter, ...). */
    readonly providerError?: string,
    /**
     * The provider could not take any message (an outage, throttling, our
     * credentials or account), as opposed to a verdict on this one (an
     * invalid or opted-out number, a country not permitted): only then may
     * SMS_FALLBACK_PROVIDER carry the code, or the provider's own refusals
     * could be routed around.
     */
    readonly providerFault: boolean = false,
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
  | "sms.status"
  | "otp.verified"
  | "otp.failed"
  | "otp.locked"
  | "session.created"
  | "session.revoked"
  | "session.checked"
  | "biometric.enrolled"
  | "biometric.enroll_failed"
  | "biometric.verified"
  | "biometric.failed"
  | "credential.removed"
  | "pin.set"
  | "pin.removed"
  | "pin.verified"
  | "pin.failed"
  | "pin.locked"
  | "lookup.failed"
  | "budget.tripped"
  | "account.exported"
  | "account.consent_changed"
  | "account.phone_changed"
  | "account.erased"
  | "account.erase_incomplete";

export interface AuthEvent {
  event: AuthEventName;
  outcome: "success" | "failure" | "denied";
  /** Keyed phone hash; the logger masks it. Never the phone itself. */
  phoneHash?: string;
  country?: string;
  userId?: string;
  sessionId?: string;
  reason?: string;
  /** otp.verified of a sign-in: its risk score and reasons. */
  riskScore?: number;
  riskReasons?: string[];
  /** OTP events of a request with a recognised device's token (FRAUD-05). */
  recognisedDevice?: true;
  /** OTP events of a configured test number (TEST_PHONE_NUMBERS): no SMS, a fixed code. */
  testNumber?: true;
  /** OTP events of a code that is not for signing in (a step-up). */
  purpose?: OtpPurpose;
  /** Biometric events: "passkey" or "device_key". */
  credentialKind?: "passkey" | "device_key";
  /** HTTP status of a provider's refusal. */
  providerStatus?: number;
  /** The provider's numeric error code (never its message text). */
  providerCode?: number;
  /** The provider's error name (AWS's InvalidParameter, …), never its message text. */
  providerError?: string;
  /** Send events: which provider took (or refused) it. */
  provider?: SmsProviderName;
  /** Send events: "sms" or "voice". */
  channel?: "sms" | "voice";
  /** otp.sent / otp.send_failed of the fallback provider's attempt (SMS_FALLBACK_PROVIDER). */
  fallback?: true;
  /** sms.status: the provider's message id (never the recipient). */
  messageId?: string;
  /**
   * In ms. otp.sent / otp.send_failed / otp.send_unconfirmed: the provider
   * request's duration; sms.status: from the send to this receipt (when the
   * send time is known).
   */
  latencyMs?: number;
  /** The number's keyed prefix id (budgets.ts prefixId): send, budget and sign-in events. Logs and metrics keep its first 12 hex digits. */
  prefix?: string;
  /** The number's line type, when a lookup ran for this send (LOOKUP_PROVIDER). */
  lineType?: string;
}

export interface AuthEventSink {
  emit(event: AuthEvent): void;
}
