import type { components } from "./schema.js";

/** Every stable error code the API can return (switch on this, never on `message`). */
export type ErrorCode = components["schemas"]["Error"]["error"]["code"];

/** The rule a refused PIN broke (with `pin_too_weak`). */
export type PinWeakness = NonNullable<components["schemas"]["Error"]["error"]["reason"]>;

/**
 * An error answer of the API, typed: `code` is stable, `message` is for
 * logs. `retryAfter` (seconds, from the Retry-After header) comes with
 * `rate_limited`, `too_many_attempts` and `idempotency_key_in_use`;
 * `attemptsRemaining` with `otp_invalid` and `pin_invalid`; `reason` with
 * `pin_too_weak`.
 */
export class AuthApiError extends Error {
  override readonly name = "AuthApiError";

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly requestId: string | null,
    readonly retryAfter: number | null,
    readonly attemptsRemaining: number | null,
    readonly reason: PinWeakness | null,
  ) {
    super(message);
  }
}

/** The request never got an answer (offline, DNS, CORS, aborted): nothing is known about what the server did. */
export class AuthNetworkError extends Error {
  override readonly name = "AuthNetworkError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isAuthApiError(err: unknown, code?: ErrorCode): err is AuthApiError {
  return err instanceof AuthApiError && (code === undefined || err.code === code);
}

type ErrorBody = components["schemas"]["Error"];

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string";
}

/** The typed error for a non-2xx response and its parsed body (anything that is not our envelope becomes `internal_error`). */
export function errorFrom(response: Response, body: unknown): AuthApiError {
  const retryAfterHeader = Number(response.headers.get("retry-after"));
  const retryAfter = Number.isFinite(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : null;
  if (!isErrorBody(body)) {
    // Not our envelope: a proxy or load balancer answered. A gateway error there means "try again", not a bug.
    const code: ErrorCode = response.status === 502 || response.status === 503 || response.status === 504 ? "service_unavailable" : "internal_error";
    return new AuthApiError(response.status, code, `HTTP ${response.status} without an error body`, response.headers.get("x-request-id"), retryAfter, null, null);
  }
  const e = body.error;
  return new AuthApiError(response.status, e.code, e.message, e.requestId ?? response.headers.get("x-request-id"), retryAfter, e.attemptsRemaining ?? null, e.reason ?? null);
}
