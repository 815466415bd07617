import { pinProblem } from "../../src/domain/pin-policy";
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi, type MockInstance } from "vitest";
import { loadConfig, type Config } from "../../src/config";
import { emptyLedger, type LedgerState } from "../../src/domain/phone-ledger";
import type { OtpPurpose, OtpRecord } from "../../src/domain/ports";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { buildServices, type Services } from "../../src/services";
import { MSG91_TEST_AUTH_KEY, MSG91_TEST_TEMPLATE_ID, SNS_TEST_ACCESS_KEY_ID, SNS_TEST_REGION, SNS_TEST_SECRET_ACCESS_KEY, TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN, TWILIO_TEST_FROM } from "../support/constants";

export const testEnv = env as unknown as Env & {
  FAKE_TWILIO_URL: string;
  FAKE_SNS_URL: string;
  FAKE_MSG91_URL: string;
  FAKE_LOOKUP_URL: string;
  FAKE_TURNSTILE_URL: string;
  /** Upstash bridge in front of a private redis-server; "" when redis-server is missing. */
  TEST_UPSTASH_URL: string;
  TEST_UPSTASH_TOKEN: string;
  /** Accepts connections and never answers. */
  BLACKHOLE_URL: string;
};

/** Settings that switch the Worker to the Upstash (production) profile. */
export function upstashSettings(): Record<string, string> {
  return { UPSTASH_REDIS_REST_URL: testEnv.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: testEnv.TEST_UPSTASH_TOKEN };
}

export const hasRedis = testEnv.TEST_UPSTASH_URL !== "";

export interface Profile {
  name: "embedded" | "upstash";
  settings: Record<string, string>;
}

/**
 * The storage profiles every sign-in suite runs on: embedded (Durable
 * Objects + D1) always, Upstash (REST bridge → real redis-server) when
 * redis-server is installed (its absence is reported loudly by global setup).
 */
export const PROFILES: Profile[] = [
  { name: "embedded", settings: {} },
  ...(hasRedis ? [{ name: "upstash" as const, settings: upstashSettings() }] : []),
];

let current: Profile = PROFILES[0]!;

/** Selects the profile that call() and services() use (set it in beforeEach). */
export function useProfile(profile: Profile): void {
  current = profile;
}

export function currentProfile(): Profile {
  return current;
}

/** Raw stored value of a key in the Upstash profile's Redis (through the bridge). */
export async function redisCommand(command: (string | number)[]): Promise<unknown> {
  const res = await fetch(testEnv.TEST_UPSTASH_URL, {
    method: "POST",
    headers: { authorization: `Bearer ${testEnv.TEST_UPSTASH_TOKEN}` },
    body: JSON.stringify(command),
  });
  return ((await res.json()) as { result: unknown }).result;
}

/** Settings that switch the Worker to the Twilio provider against the local fake. */
export function twilioSettings(): Record<string, string> {
  return {
    SMS_PROVIDER: "twilio",
    TWILIO_ACCOUNT_SID: TWILIO_TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TEST_AUTH_TOKEN,
    TWILIO_FROM: TWILIO_TEST_FROM,
    TWILIO_API_BASE: testEnv.FAKE_TWILIO_URL,
    TWILIO_TIMEOUT_MS: "1000",
  };
}

/** Settings for AWS SNS against the local fake (as primary with `SMS_PROVIDER: "sns"`, or as the fallback). */
export function snsSettings(): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: SNS_TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SNS_TEST_SECRET_ACCESS_KEY, AWS_REGION: SNS_TEST_REGION, SNS_API_BASE: testEnv.FAKE_SNS_URL, SNS_TIMEOUT_MS: "1000" };
}

/** Settings for MSG91 against the local fake. */
export function msg91Settings(): Record<string, string> {
  return { MSG91_AUTH_KEY: MSG91_TEST_AUTH_KEY, MSG91_TEMPLATE_ID: MSG91_TEST_TEMPLATE_ID, MSG91_MINUTES_VARIABLE: "minutes", MSG91_API_BASE: testEnv.FAKE_MSG91_URL, MSG91_TIMEOUT_MS: "1000" };
}

// A random start per test file: the Upstash profile's per-IP counts live in
// one redis-server for the whole run, so two files counting from the same
// start would share addresses (and limits) within a window.
let ipCounter = crypto.getRandomValues(new Uint32Array(1))[0]! % (1 << 23);
/** A fresh client IP per call (10.0.0.0/8), so per-IP limits of one test never touch another's, in any file. */
export function uniqueIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** A random valid Indian mobile number (+91 9xxxxxxxxx), unique per call. */
export function uniquePhone(): string {
  const n = crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000_000;
  return `+919${n.toString().padStart(9, "0")}`;
}

/** A PIN the policy accepts for this phone number (no 4 of its digits in a row, not weak): a fixed PIN would fail now and then on a random number. */
export function pinFor(phone: string, length = 6): string {
  for (;;) {
    const n = crypto.getRandomValues(new Uint32Array(1))[0]! % 10 ** length;
    const pin = n.toString().padStart(length, "0");
    if (pinProblem(pin, { minLength: length, phoneDigits: phone.slice(1) }) === null) return pin;
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  token?: string;
  ip?: string | null;
  /** Settings layered over the test bindings for this call only. */
  settings?: Record<string, unknown>;
  /** Cloudflare's `request.cf.country` for this request. */
  country?: string;
}

/** Sends one request through the real Worker entry point. */
export async function call(path: string, opts: CallOptions = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  // null: no CF-Connecting-IP at all (a deployment that does not pass it).
  if (opts.ip !== null) headers.set("cf-connecting-ip", opts.ip ?? "192.0.2.1");
  const init: RequestInit = { method: opts.method ?? (opts.body !== undefined || opts.rawBody !== undefined ? "POST" : "GET"), headers };
  if (opts.rawBody !== undefined) init.body = opts.rawBody;
  else if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  const merged = { ...current.settings, ...opts.settings };
  const bindings = Object.keys(merged).length > 0 ? ({ ...testEnv, ...merged } as Env) : testEnv;
  const ctx = createExecutionContext();
  const cf = opts.country ? { cf: { country: opts.country } as IncomingRequestCfProperties } : {};
  const request = new Request(`https://auth.test${path}`, { ...init, ...cf }) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export interface ErrorJson {
  error: { code: string; message: string; requestId: string; attemptsRemaining?: number };
}

export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  const body = (await res.json()) as ErrorJson;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  expect(typeof body.error.requestId).toBe("string");
  return body;
}

/** Latest code sent to `phone` by the console provider, read from the dev outbox. */
export async function latestCode(phone: string): Promise<string> {
  const res = await call(`/dev/sms-outbox?phone=${encodeURIComponent(phone)}`);
  const { messages } = (await res.json()) as { messages: { body: string }[] };
  const match = /\b(\d{6})\b/.exec(messages[0]?.body ?? "");
  if (!match) throw new Error(`no code in outbox for ${phone}`);
  return match[1]!;
}

export async function requestCode(phone: string, ip = uniqueIp()): Promise<string> {
  const res = await call("/auth/request-otp", { body: { phone }, ip });
  expect(res.status).toBe(200);
  return latestCode(phone);
}

export interface SignInResult {
  token: string;
  expiresAt: string;
  user: { id: string; isNewUser: boolean; biometricEnabled: boolean; pinEnabled: boolean };
}

export async function signIn(phone = uniquePhone()): Promise<SignInResult & { phone: string }> {
  const ip = uniqueIp();
  const code = await requestCode(phone, ip);
  const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip });
  expect(res.status).toBe(200);
  return { ...((await res.json()) as SignInResult), phone };
}

export interface SignedInDevice {
  token: string;
  deviceToken: string;
  user: { id: string; isNewUser: boolean };
}

/** Signs in by code, with the device's token when given (FRAUD-05), each request from a fresh address. */
export async function signInWith(phone: string, deviceToken?: string): Promise<SignedInDevice> {
  const extra = deviceToken ? { deviceToken } : {};
  expect((await call("/auth/request-otp", { body: { phone, ...extra }, ip: uniqueIp() })).status).toBe(200);
  const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone), ...extra }, ip: uniqueIp() });
  expect(res.status).toBe(200);
  return (await res.json()) as SignedInDevice;
}

/** A code that is not `code` (for wrong-guess tests). */
export function wrongCode(code: string): string {
  return code === "000000" ? "111111" : "000000";
}

/**
 * The real services (real Durable Objects and D1) with overridable parts.
 * `settle()` waits for the work a use-case left running after its answer
 * (what `waitUntil` holds in the Worker).
 */
export async function services(
  overrides: Partial<Services> = {},
  settings: Record<string, unknown> = {},
): Promise<Services & { config: Config; settle: () => Promise<void> }> {
  const bindings = { ...testEnv, ...current.settings, ...settings } as Env;
  const result = loadConfig(bindings);
  if (!result.ok) throw new Error(result.problems.join("; "));
  const pending: Promise<unknown>[] = [];
  const built = await buildServices(bindings, result.config, "test", {}, (work) => void pending.push(work));
  const settle = async (): Promise<void> => {
    while (pending.length > 0) await Promise.all(pending.splice(0));
  };
  return { ...built, ...overrides, config: result.config, settle };
}

/** Messages the fake Twilio accepted for `to`, oldest first. */
export async function twilioReceived(to: string): Promise<{ Body: string }[]> {
  const res = await fetch(`${testEnv.FAKE_TWILIO_URL}/__messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: { Body: string }[] }).messages;
}

/** Tells the fake Twilio how to answer messages to `to` (error status/code, delay). */
export async function twilioScenario(to: string, scenario: { status?: number; code?: number; delayMs?: number }): Promise<void> {
  await fetch(`${testEnv.FAKE_TWILIO_URL}/__scenario`, { method: "POST", body: JSON.stringify({ to, ...scenario }) });
}

/** Captures every console line until vi.restoreAllMocks(). */
export function captureLogs(): string[] {
  const lines: string[] = [];
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  return lines;
}

/** The phone's PhoneLedger Durable Object (embedded profile). */
export function ledgerStub(hash: string): DurableObjectStub<import("../../src/durable-objects/phone-ledger").PhoneLedger> {
  return testEnv.PHONE_LEDGER.get(testEnv.PHONE_LEDGER.idFromName(hash));
}

/** Test-only: writes a code straight into the current profile's storage, bypassing every quota. */
export async function plantCode(hash: string, purpose: OtpPurpose, code: { digest: string; expiresAt: number }): Promise<void> {
  const record: OtpRecord = { ...code, ticket: "planted" };
  if (current.name === "upstash") {
    await redisCommand(["SET", `otp:{${hash}}:${purpose}`, JSON.stringify(record), "PXAT", String(record.expiresAt)]);
    return;
  }
  await runInDurableObject(ledgerStub(hash), (_o, state) => {
    const ledger: LedgerState = { ...emptyLedger(), ...state.storage.kv.get<LedgerState>("state") };
    ledger.codes[purpose] = record;
    state.storage.kv.put("state", ledger);
  });
}

/** The stored code record of a phone in the current profile, or null (expired or not). */
export async function storedCode(hash: string, purpose: OtpPurpose): Promise<OtpRecord | null> {
  if (current.name === "upstash") {
    const raw = await redisCommand(["GET", `otp:{${hash}}:${purpose}`]);
    return typeof raw === "string" ? (JSON.parse(raw) as OtpRecord) : null;
  }
  return (await ledgerStub(hash).peek())?.codes[purpose] ?? null;
}

/** Failures counted against the phone in the current profile (0 when none). */
export async function failureCount(hash: string): Promise<number> {
  if (current.name === "upstash") return (await testEnv.ATTEMPT_COUNTER.get(testEnv.ATTEMPT_COUNTER.idFromName(hash)).peek())?.count ?? 0;
  return (await ledgerStub(hash).peek())?.attempts.count ?? 0;
}

let clockSpy: MockInstance<() => number> | null = null;

/** Runs the Worker's clock (Date.now) `ms` ahead of real time, until vi.restoreAllMocks() or the next call. */
/**
 * Moves the clock to the middle of a fixed window of `windowMs` (windows
 * start at multiples of it, as @upstash/ratelimit's sliding window counts
 * them), so a test that fills a limit in a second or two never straddles a
 * window boundary, where the previous window's hits are weighted down and
 * one more request would pass.
 */
export function centreInWindow(windowMs: number): void {
  const into = Date.now() % windowMs;
  advanceClock((windowMs / 2 - into + windowMs) % windowMs);
}

export function advanceClock(ms: number): void {
  clockSpy?.mockRestore();
  const real = Date.now.bind(Date);
  clockSpy = vi.spyOn(Date, "now").mockImplementation(() => real() + ms);
}
