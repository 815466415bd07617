/**
 * Stable error codes. Clients switch on `code`, never on `message`, so a code
 * is never renamed once published. Each code has one HTTP status.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, message: "The request body or parameters are not valid." },
  invalid_phone: { status: 400, message: "The phone number is not a valid E.164 number." },
  captcha_required: { status: 400, message: "Complete the bot check and send its token as captchaToken." },
  captcha_invalid: { status: 400, message: "The bot check token is not valid (expired, already used, or from another site). Complete the check again." },
  phone_not_supported: { status: 400, message: "Sign-in codes cannot be sent to this phone number." },
  channel_not_supported: { status: 400, message: "Codes cannot be read out by phone call to this number. Ask for an SMS instead." },
  payload_too_large: { status: 413, message: "The request body is too large." },
  unsupported_media_type: { status: 415, message: "Send the body as application/json." },
  rate_limited: { status: 429, message: "Too many requests. Try again later." },
  otp_invalid: { status: 400, message: "The code is not correct." },
  otp_expired: { status: 400, message: "There is no live code for this phone. Request a new one." },
  too_many_attempts: { status: 429, message: "Too many failed attempts. Try again later." },
  sms_send_failed: { status: 502, message: "The SMS could not be sent. Try again later." },
  phone_in_use: { status: 409, message: "This phone number belongs to another account." },
  unauthorized: { status: 401, message: "A valid bearer token is required." },
  session_revoked: { status: 401, message: "This session has ended. Sign in again." },
  step_up_required: { status: 401, message: "Confirm it is you (a new code, a passkey or a device key) to do this." },
  challenge_invalid: { status: 400, message: "The challenge is unknown, expired, already used or meant for another step. Ask for a new one." },
  credential_invalid: { status: 400, message: "The credential or its proof could not be verified." },
  credential_exists: { status: 409, message: "This credential is already registered." },
  credential_limit: { status: 409, message: "This account has as many passkeys and device keys as it may. Remove one first." },
  credential_not_found: { status: 404, message: "No such credential." },
  biometric_failed: { status: 401, message: "The passkey or device key could not be verified. Sign in with a code instead." },
  pin_too_weak: { status: 400, message: "This PIN is too easy to guess (repeated or sequential digits, a common PIN, or digits of your phone number). Choose another." },
  pin_invalid: { status: 400, message: "The PIN is not correct." },
  pin_locked: { status: 403, message: "PIN unlock is off after too many wrong PINs. Sign in again with a code, a passkey or a device key." },
  pin_not_set: { status: 404, message: "This account has no PIN." },
  idempotency_key_reused: { status: 422, message: "This Idempotency-Key was used with another request body. Use a new key for a new request." },
  idempotency_key_in_use: { status: 409, message: "A request with this Idempotency-Key is still running. Retry shortly." },
  not_found: { status: 404, message: "Not found." },
  signature_invalid: { status: 403, message: "The request signature is not valid." },
  session_not_found: { status: 404, message: "No such session for this user." },
  method_not_allowed: { status: 405, message: "This path does not take this method; the Allow header lists those it does." },
  service_unavailable: { status: 503, message: "A backing service is unavailable. Try again later." },
  service_misconfigured: { status: 503, message: "The service is not configured correctly." },
  internal_error: { status: 500, message: "Unexpected error." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Extra public fields that may sit beside `code` in an error body. */
export interface ErrorDetails {
  attemptsRemaining?: number;
  /** pin_too_weak: which rule the PIN broke (repeated, sequence, common, from_phone). */
  reason?: string;
}

/**
 * An error whose code, message and details are safe to show to the client.
 * Internal reasons go to `cause` (logged, never returned).
 */
export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails;
  /** Seconds until a retry can succeed; sent as `Retry-After` on 429/503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: { details?: ErrorDetails; retryAfterSeconds?: number; cause?: unknown; message?: string } = {},
  ) {
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = "AuthError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * Thrown by adapters when their backing store cannot be reached or answers
 * garbage. Mapped to 503 `service_unavailable`: limits and counters fail
 * closed (SEND-06), so an outage never lets a code through.
 */
/** A stored value needs a key the configuration no longer has (a key id dropped from PHONE_DATA_KEYS too early): 503 service_misconfigured, the reason in the log. */
export class KeyringError extends Error {
  override name = "KeyringError";
}

export class DependencyError extends Error {
  readonly dependency: string;
  constructor(dependency: string, cause?: unknown) {
    super(`${dependency} unavailable`, { cause });
    this.name = "DependencyError";
    this.dependency = dependency;
  }
}
