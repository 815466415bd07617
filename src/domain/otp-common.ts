import { AuthError } from "../errors";
import type { SecretKeys } from "../lib/keys";
import type { BotCheckDeps } from "./bot-check";
import type { BudgetDeps } from "./budgets";
import type { DeliveryDeps } from "./delivery";
import type { DeviceDeps } from "./devices";
import type { LineTypeDeps } from "./line-type";
import type { NumberPolicy } from "./number-policy";
import { parseE164, type Phone } from "./phone";
import type { AuthEvent, AuthEventSink, OtpLedger, OtpPurpose, RateDecision, RateLimiter, UserStore } from "./ports";
import type { SessionDeps } from "./sessions";
import type { MessagePolicy } from "./sms-message";

/** What sending and checking codes share: their dependencies, the client, and small helpers. */

export interface OtpPolicy {
  ttlSeconds: number;
  resendCooldownSeconds: number;
  maxSendsPerHour: number;
  maxAttempts: number;
  lockoutSeconds: number;
  failureWindowSeconds: number;
  /** The message text per language and its autofill lines (src/domain/sms-message.ts). */
  message: MessagePolicy;
  ipSendLimit: number;
  ipVerifyLimit: number;
  ipWindowSeconds: number;
}

export interface SignInDeps extends SessionDeps, LineTypeDeps, BotCheckDeps, BudgetDeps, DeviceDeps, DeliveryDeps {
  policy: OtpPolicy;
  /** Which numbers may be sent a code at all (FRAUD-01). */
  numberPolicy: NumberPolicy;
  /** RISK_STEP_UP_THRESHOLD: a sign-in scoring above it must be unlocked (0: off). */
  riskThreshold: number;
  /** PIN_MAX_ATTEMPTS: a locked PIN is no way to unlock. */
  pinMaxAttempts: number;
  /** TEST_PHONE_NUMBERS: E.164 → fixed code, never sent an SMS (FRAUD-08). */
  testNumbers: ReadonlyMap<string, string>;
  keys: SecretKeys;
  /** Per-phone codes, send quotas and attempt counting (one port per step). */
  ledger: OtpLedger;
  /** High-volume per-IP limits. */
  ipLimiter: RateLimiter;
  users: UserStore;
  events: AuthEventSink;
  now: () => number;
}

export interface ClientContext {
  /** Per-IP limit subject: the IPv4 address or the IPv6 /64 (see ipLimitSubject); "unknown" when absent. */
  ip: string;
  userAgent: string | null;
  /** The request's country from Cloudflare's metadata (`request.cf.country`); null when absent. */
  country: string | null;
  /** The person's languages, most wanted first (a `locale` they gave, then Accept-Language): they choose the message's template. */
  languages?: readonly string[];
}

export interface OtpSent {
  status: "sent";
  expiresIn: number;
  resendAfter: number;
}

/** Whole seconds for a Retry-After header, at least 1. */
export const retryAfter = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Spends one unit of a per-user or per-address budget of `IP_VERIFY_LIMIT`
 * per `IP_WINDOW_SECONDS` (passkey ceremonies, PIN sets and checks): work a
 * token or an address must not be able to loop without bound. Fails closed
 * like every limit (a store that does not answer is a 503).
 */
export async function spendVerifyBudget(
  deps: { ipLimiter: RateLimiter; policy: { ipVerifyLimit: number; ipWindowSeconds: number }; now: () => number },
  key: string,
): Promise<void> {
  const decision = await deps.ipLimiter.hit(key, { limit: deps.policy.ipVerifyLimit, windowMs: deps.policy.ipWindowSeconds * 1000 }, deps.now());
  if (!decision.allowed) throw new AuthError("rate_limited", { retryAfterSeconds: retryAfter(decision.retryAfterMs) });
}

/** The fields every OTP event of this phone carries: masked hash, country, purpose, and whether it is a test number or a recognised device. */
export function eventBase(
  deps: SignInDeps,
  phone: Phone,
  hash: string,
  purpose: OtpPurpose,
  device: { id: string } | null = null,
): Pick<AuthEvent, "phoneHash" | "country" | "purpose" | "testNumber" | "recognisedDevice"> {
  return {
    phoneHash: hash,
    country: phone.country ?? undefined,
    ...(purpose === "sign_in" ? {} : { purpose }),
    ...(deps.testNumbers.has(phone.e164) ? { testNumber: true as const } : {}),
    ...(device ? { recognisedDevice: true as const } : {}),
  };
}

export function requirePhone(input: string): Phone {
  const phone = parseE164(input);
  if (!phone) throw new AuthError("invalid_phone");
  return phone;
}

/** A granted IP hit, or the refusal/failure to answer with. */
export function ipVerdict(result: PromiseSettledResult<RateDecision>): { error: unknown } | { retryAfterMs: number } | null {
  if (result.status === "rejected") return { error: result.reason };
  return result.value.allowed ? null : { retryAfterMs: result.value.retryAfterMs };
}

/**
 * The client with the account's own locale (PATCH /user) first, for a code
 * sent to a signed-in user. Read only when SMS_TEMPLATES has a choice to make.
 */
export async function withAccountLocale(deps: SignInDeps, userId: string, client: ClientContext): Promise<ClientContext> {
  if (Object.keys(deps.policy.message.templates).length === 0) return client;
  const locale = (await deps.users.preferences(userId))?.locale;
  return locale ? { ...client, languages: [locale, ...(client.languages ?? [])] } : client;
}
