import type { Redis } from "@upstash/redis/cloudflare";
import { D1CredentialStore } from "./adapters/d1/credential-store";
import { D1DeliveryReceiptStore } from "./adapters/d1/delivery-receipt-store";
import { D1DeviceStore } from "./adapters/d1/device-store";
import { D1ErasureJournal } from "./adapters/d1/erasure-journal";
import { D1AuditStore } from "./adapters/d1/audit-store";
import { D1LineTypeCache } from "./adapters/d1/line-type-cache";
import { D1UserStore } from "./adapters/d1/user-store";
import { DurableBudgetStore } from "./adapters/durable-object/budget-store";
import { DurableChallengeStore } from "./adapters/durable-object/challenge-store";
import { DurableIdempotencyStore } from "./adapters/durable-object/idempotency-store";
import { DurableAttemptCounter } from "./adapters/durable-object/attempt-counter";
import { DurableOtpLedger } from "./adapters/durable-object/otp-ledger";
import { DurableRateLimiter } from "./adapters/durable-object/rate-limiter";
import { DurableSessionStore } from "./adapters/durable-object/session-store";
import { TurnstileVerifier } from "./adapters/turnstile/captcha-verifier";
import { TwilioLineTypeLookup } from "./adapters/twilio/line-type-lookup";
import { createUpstashClient } from "./adapters/upstash/client";
import { UpstashAttemptCounter } from "./adapters/upstash/attempt-counter";
import { UpstashBudgetStore } from "./adapters/upstash/budget-store";
import { UpstashChallengeStore } from "./adapters/upstash/challenge-store";
import { UpstashIdempotencyStore } from "./adapters/upstash/idempotency-store";
import { UpstashLineTypeCache } from "./adapters/upstash/line-type-cache";
import { UpstashDeliveryReceiptStore } from "./adapters/upstash/delivery-receipt-store";
import { UpstashDeviceStore } from "./adapters/upstash/device-store";
import { UpstashErasureJournal } from "./adapters/upstash/erasure-journal";
import { UpstashAuditStore } from "./adapters/upstash/audit-store";
import { UpstashIpRateLimiter } from "./adapters/upstash/ip-rate-limiter";
import { UpstashOtpLedger } from "./adapters/upstash/otp-ledger";
import { UpstashSessionStore } from "./adapters/upstash/session-store";
import type { Config } from "./config";
import type { AuthEventSink, OtpLedger, RateLimiter, SessionStore, UserStore } from "./domain/ports";
import type { DeliveryReceiptStore, ReceiptDeps } from "./domain/delivery-receipts";
import { deliveryPorts } from "./services-delivery";
import type { ChallengeStore, CredentialStore } from "./domain/biometric-ports";
import type { BiometricDeps } from "./domain/ceremony";
import type { BudgetStore } from "./domain/budgets";
import type { DeviceStore } from "./domain/devices";
import type { ErasureJournal } from "./domain/erasure";
import { AuditingEventSink, type AuditStore, type RequestMeta } from "./domain/audit";
import type { IdempotencyStore } from "./domain/idempotency";
import type { LineTypeCache, LineTypeLookup } from "./domain/line-type";
import type { PinDeps } from "./domain/pin";
import type { SignInDeps } from "./domain/sign-in";
import type { Env } from "./env";
import { secretKeys } from "./lib/keys";
import { loadSigningKey, loadVerificationKeys } from "./lib/jwt";
import { describeError, LogAuthEvents, logJson } from "./lib/log";
import { AnalyticsEngineMetrics } from "./adapters/analytics-engine/metrics-sink";
import { LogMetrics } from "./adapters/log/metrics-sink";
import { MetricsEventSink, type MetricsSink } from "./domain/metrics";

export type Services = SignInDeps &
  BiometricDeps &
  PinDeps &
  ReceiptDeps & { idempotency: IdempotencyStore; erasures: ErasureJournal; audit: AuditStore; auditRetentionMs: number };

export interface ServiceOptions {
  /**
   * Builds the MongoDB user store. Present only in the build that bundles
   * the driver (src/index.mongo.ts, `wrangler deploy --env mongo`), so the
   * default build never carries or loads it.
   */
  mongoUserStore?: (env: Env, config: Config) => Promise<UserStore>;
  /** Builds the MongoDB credential store (credentials live in the user documents). Same build as `mongoUserStore`. */
  mongoCredentialStore?: (env: Env, config: Config) => Promise<CredentialStore>;
}

export class ProfileError extends Error {
  override name = "ProfileError";
}

function lineTypeLookup(config: Config): LineTypeLookup | null {
  if (config.lookup.provider === "none") return null;
  const { accountSid, authToken } = config.sms.twilio;
  return new TwilioLineTypeLookup({ accountSid, authToken, apiBase: config.lookup.apiBase, timeoutMs: config.lookup.timeoutMs });
}

// One REST client per isolate and credentials: it holds no connection, only settings.
const redisClients = new Map<string, Redis>();
function redisFor(config: Config): Redis {
  const { url, token } = config.upstash!;
  const id = `${url}\n${token}\n${config.storageTimeoutMs}`;
  let client = redisClients.get(id);
  if (!client) {
    client = createUpstashClient({ url, token, timeoutMs: config.storageTimeoutMs });
    redisClients.set(id, client);
  }
  return client;
}

interface Stores {
  ledger: OtpLedger;
  ipLimiter: RateLimiter;
  sessions: SessionStore;
  challenges: ChallengeStore;
  idempotency: IdempotencyStore;
  lineTypeCache: LineTypeCache;
  budgetStore: BudgetStore;
  devices: DeviceStore;
  erasures: ErasureJournal;
  audit: AuditStore;
  receiptStore: DeliveryReceiptStore;
}

function stores(env: Env, config: Config): Stores {
  const t = config.storageTimeoutMs;
  if (config.upstash) {
    const redis = redisFor(config);
    // The design keeps the strict attempt counter in a Durable Object in this
    // profile too; the ledger reads it beside its Redis scripts. Self-hosted
    // replicas each have their own Durable Objects, so they count in Redis.
    const attempts = config.operations.attemptCounter === "redis" ? new UpstashAttemptCounter(redis, t) : new DurableAttemptCounter(env.ATTEMPT_COUNTER, t);
    return {
      ledger: new UpstashOtpLedger(redis, attempts, t),
      ipLimiter: new UpstashIpRateLimiter(redis, t),
      sessions: new UpstashSessionStore(redis, t),
      challenges: new UpstashChallengeStore(redis, t),
      idempotency: new UpstashIdempotencyStore(redis, t),
      lineTypeCache: new UpstashLineTypeCache(redis, t),
      budgetStore: new UpstashBudgetStore(redis, t),
      devices: new UpstashDeviceStore(redis, t),
      erasures: new UpstashErasureJournal(redis, t),
      audit: new UpstashAuditStore(redis, t),
      receiptStore: new UpstashDeliveryReceiptStore(redis, t),
    };
  }
  return {
    ledger: new DurableOtpLedger(env.PHONE_LEDGER, t),
    ipLimiter: new DurableRateLimiter(env.RATE_LIMITER, t),
    sessions: new DurableSessionStore(env.SESSION_VAULT, t),
    challenges: new DurableChallengeStore(env.CHALLENGE_VAULT, t),
    idempotency: new DurableIdempotencyStore(env.IDEMPOTENCY_VAULT, t),
    lineTypeCache: new D1LineTypeCache(env.DB, t),
    budgetStore: new DurableBudgetStore(env.BUDGET_LEDGER, t),
    devices: new D1DeviceStore(env.DB, t),
    erasures: new D1ErasureJournal(env.DB, t),
    audit: new D1AuditStore(env.DB, t),
    receiptStore: new D1DeliveryReceiptStore(env.DB, t),
  };
}

async function userStore(env: Env, config: Config, options: ServiceOptions): Promise<UserStore> {
  if (!config.mongo) return new D1UserStore(env.DB, config.storageTimeoutMs);
  if (!options.mongoUserStore) {
    throw new ProfileError("MONGODB_URI is set but this build has no MongoDB driver: deploy with `wrangler deploy --env mongo`");
  }
  return options.mongoUserStore(env, config);
}

/** Credentials live with the users: in D1, or in the MongoDB user documents. */
async function credentialStore(env: Env, config: Config, options: ServiceOptions): Promise<CredentialStore> {
  if (!config.mongo) return new D1CredentialStore(env.DB, config.storageTimeoutMs);
  if (!options.mongoCredentialStore) {
    throw new ProfileError("MONGODB_URI is set but this build has no MongoDB driver: deploy with `wrangler deploy --env mongo`");
  }
  return options.mongoCredentialStore(env, config);
}

/** METRICS_SINK: Analytics Engine on Cloudflare, log lines where it is not bound (self-hosted), or nothing. */
function metricsSink(env: Env, config: Config): MetricsSink | null {
  const choice = config.operations.metrics;
  if (choice === "none") return null;
  if (choice === "log" || (choice === "auto" && !env.METRICS)) return new LogMetrics();
  if (!env.METRICS) throw new ProfileError("METRICS_SINK=analytics-engine but the METRICS Analytics Engine binding is missing (wrangler.toml)");
  return new AnalyticsEngineMetrics(env.METRICS);
}

const announced = new WeakSet<object>();

/** Logs, once per isolate and settings, which adapters serve each port. */
function announceProfile(env: Env, config: Config): void {
  if (announced.has(env)) return;
  announced.add(env);
  logJson("info", {
    type: "profile",
    codes: config.upstash ? "upstash-redis" : "durable-object (PhoneLedger)",
    sessions: config.upstash ? "upstash-redis" : "durable-object",
    rateLimits: config.upstash ? "upstash-redis" : "durable-object",
    attemptCounter: !config.upstash ? "durable-object (PhoneLedger)" : config.operations.attemptCounter === "redis" ? "upstash-redis (Lua)" : "durable-object (AttemptCounter)",
    users: config.mongo ? `mongodb (${config.mongo.connection})` : "d1",
    credentials: config.mongo ? "mongodb (in the user documents)" : "d1",
    challenges: config.upstash ? "upstash-redis" : "durable-object (ChallengeVault)",
    idempotencyKeys: config.upstash ? "upstash-redis" : "durable-object (IdempotencyVault)",
    lineTypeCache: config.upstash ? "upstash-redis" : "d1",
    smsBudgets: config.upstash ? "upstash-redis" : "durable-object (BudgetLedger)",
    recognisedDevices: config.upstash ? "upstash-redis" : "d1",
    erasureJournal: config.upstash ? "upstash-redis" : "d1",
    auditTrail: config.upstash ? "upstash-redis" : "d1",
    lineTypeLookup: config.lookup.provider,
    sms: config.delivery.provider,
    smsFallback: config.delivery.fallback ?? "none",
    voice: config.delivery.voice?.provider ?? "off",
    deliveryReceipts: config.delivery.statusCallbackUrl ? (config.upstash ? "upstash-redis" : "d1") : "off",
    metrics: config.operations.metrics === "auto" ? (env.METRICS ? "analytics-engine" : "log") : config.operations.metrics,
  });
}

/** Each auth event: one log line (LOG-01) and, unless METRICS_SINK=none, one metrics point. */
function authEventLog(env: Env, config: Config, requestId: string, request: RequestMeta): AuthEventSink {
  const log = new LogAuthEvents(requestId, request);
  const metrics = metricsSink(env, config);
  if (!metrics) return log;
  // A metrics write that throws loses its point, never the request.
  return new MetricsEventSink(log, metrics, config.operations.costs, (err) => logJson("warn", { type: "metrics_failed", requestId, ...describeError(err) }));
}

/**
 * Wires ports to adapters for one request. Adapters are thin objects over
 * bindings or REST clients; keys, config and clients are cached per isolate.
 */
export async function buildServices(
  env: Env,
  config: Config,
  requestId: string,
  options: ServiceOptions = {},
  waitUntil: (work: Promise<unknown>) => void = () => undefined,
  /** The request's network (IPv4 /24, IPv6 /48) and country, for the log lines and the audit trail. */
  request: RequestMeta = { network: null, country: null },
): Promise<Services> {
  announceProfile(env, config);
  const { lineTypeCache, budgetStore, devices, ...storage } = stores(env, config);
  const auditRetentionMs = config.auditRetentionDays * 86_400_000;
  const background = (task: string, work: () => Promise<unknown>): void => {
    const done = Promise.resolve()
      .then(work)
      .catch((err: unknown) => logJson("warn", { type: "background_failed", requestId, task, ...describeError(err) }));
    waitUntil(done);
  };
  const [keys, signingKey, users, credentials] = await Promise.all([
    secretKeys(config.secrets),
    loadSigningKey(config.jwt.privateJwk),
    userStore(env, config, options),
    credentialStore(env, config, options),
  ]);
  return {
    policy: {
      ttlSeconds: config.otp.ttlSeconds,
      resendCooldownSeconds: config.otp.resendCooldownSeconds,
      maxSendsPerHour: config.otp.maxSendsPerHour,
      maxAttempts: config.otp.maxAttempts,
      lockoutSeconds: config.otp.lockoutSeconds,
      failureWindowSeconds: config.otp.failureWindowSeconds,
      message: config.sms.message,
      ipSendLimit: config.ipLimits.send,
      ipVerifyLimit: config.ipLimits.verify,
      ipWindowSeconds: config.ipLimits.windowSeconds,
    },
    testNumbers: config.testNumbers,
    riskThreshold: config.riskStepUpThreshold,
    pinMaxAttempts: config.pin.maxAttempts,
    numberPolicy: {
      blocked: new Set(config.numbers.blockedTypes),
      allowCountries: config.numbers.allowCountries ? new Set(config.numbers.allowCountries) : null,
      denyCountries: new Set(config.numbers.denyCountries),
    },
    budgets: { store: budgetStore, ...config.budgets },
    devices,
    deviceTtlMs: config.deviceTokenTtlSeconds * 1000,
    maxDevicesPerUser: config.maxDevicesPerUser,
    botCheck: {
      verifier: config.turnstile ? new TurnstileVerifier(config.turnstile) : null,
      mode: config.turnstile?.mode ?? "always",
      hostnames: new Set(config.turnstile?.hostnames ?? []),
      action: config.turnstile?.action ?? null,
    },
    lineTypes: {
      lookup: lineTypeLookup(config),
      cache: lineTypeCache,
      blocked: new Set(config.lookup.blockedLineTypes),
      onFailure: config.lookup.onFailure,
      cacheMs: config.lookup.cacheSeconds * 1000,
    },
    keys,
    ...storage,
    users,
    credentials,
    ...deliveryPorts(env, config),
    events: new AuditingEventSink(authEventLog(env, config, requestId, request), storage.audit, request, auditRetentionMs, () => Date.now(), background),
    auditRetentionMs,
    signingKey,
    verificationKeys: await loadVerificationKeys(signingKey, config.jwt.additionalPublicJwks),
    token: { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds },
    idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
    pinPolicy: config.pin,
    now: () => Date.now(),
    background,
  };
}
