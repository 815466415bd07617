import { AuthError } from "../errors";
import type { AuthEvent, AuthEventSink } from "./ports";

/**
 * The bot check on request-otp (FRAUD-09): an optional Cloudflare Turnstile
 * token, verified with siteverify before a code is sent. Why: scripted
 * pumping sends from many addresses and numbers, each under every per-IP
 * and per-phone limit; a challenge a script cannot pass stops it before it
 * costs anything.
 */

/** What siteverify said about one token. */
export interface CaptchaVerdict {
  success: boolean;
  hostname: string | null;
  action: string | null;
  /** Siteverify's error codes (invalid-input-response, timeout-or-duplicate, …). */
  errorCodes: string[];
}

export interface CaptchaVerifier {
  /** Throws when siteverify cannot be reached or answers garbage (the caller fails closed). */
  verify(token: string): Promise<CaptchaVerdict>;
}

export interface BotCheckPolicy {
  /** null: no bot check (TURNSTILE_SECRET_KEY unset). */
  verifier: CaptchaVerifier | null;
  /** `always`, or `adaptive`: only once the caller's address, or the number's prefix, has used half its send budget. */
  mode: "always" | "adaptive";
  /** Hostnames a token must have been issued on (the app's own pages). */
  hostnames: ReadonlySet<string>;
  /** The widget's `action` a token must carry; null: any. */
  action: string | null;
}

export interface BotCheckDeps {
  botCheck: BotCheckPolicy;
  events: AuthEventSink;
}

/**
 * Whether this request must carry a token. `pressure` holds [used, limit]
 * of each counter that adaptive mode watches (the caller's address's sends,
 * the number's prefix's sends this hour); an infinite (off) limit never asks. Why
 * the prefix too: a pumping run spreads over many addresses, each quiet, but
 * lands on a few prefixes.
 */
export function captchaNeeded(policy: BotCheckPolicy, pressure: readonly (readonly [used: number, limit: number])[]): boolean {
  if (!policy.verifier) return false;
  return policy.mode === "always" || pressure.some(([used, limit]) => used * 2 >= limit);
}

/**
 * Verifies the token, or throws the public error: 400 `captcha_required`
 * without one, 400 `captcha_invalid` for a token siteverify refuses (unknown,
 * expired, already used) or one issued on another hostname or for another
 * action; 503 when siteverify cannot answer (fails closed: nothing is sent).
 */
export async function checkCaptcha(deps: BotCheckDeps, token: string | undefined, base: Pick<AuthEvent, "phoneHash" | "country">): Promise<void> {
  const { verifier, hostnames, action } = deps.botCheck;
  if (!verifier) return;
  if (!token) {
    deps.events.emit({ event: "otp.requested", outcome: "denied", reason: "captcha_missing", ...base });
    throw new AuthError("captcha_required");
  }
  let verdict: CaptchaVerdict;
  try {
    verdict = await verifier.verify(token);
  } catch (err) {
    deps.events.emit({ event: "otp.requested", outcome: "failure", reason: "captcha_unavailable", ...base });
    throw new AuthError("service_unavailable", { retryAfterSeconds: 5, cause: err });
  }
  const reason = !verdict.success
    ? `captcha_${verdict.errorCodes[0] ?? "refused"}`
    : !verdict.hostname || !hostnames.has(verdict.hostname)
      ? "captcha_hostname"
      : action !== null && verdict.action !== action
        ? "captcha_action"
        : null;
  if (reason) {
    deps.events.emit({ event: "otp.requested", outcome: "denied", reason, ...base });
    throw new AuthError("captcha_invalid");
  }
}
