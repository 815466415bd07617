import type { KeySecrets } from "./lib/keys";
import { z } from "zod";
import { checkDelivery, DELIVERY_SETTINGS, deliveryConfig, type DeliveryConfig } from "./config-delivery";
import { messagePolicy, SMS_MESSAGE_SETTINGS } from "./config-sms-message";
import { checkOperations, OPERATIONS_SETTINGS, operationsConfig, type OperationsConfig } from "./config-operations";
import type { MessagePolicy } from "./domain/sms-message";
import { DEFAULT_BLOCKED_LINE_TYPES, LINE_TYPES, type LineType } from "./domain/line-type";
import { DEFAULT_BLOCKED_CATEGORIES, NUMBER_CATEGORIES, type NumberCategory } from "./domain/number-policy";

/**
 * Every setting the Worker reads, parsed once per env object into a frozen,
 * typed Config. Numbers have safe ranges: a value outside them is refused at
 * start-up (the service answers 503 `service_misconfigured` and logs why)
 * instead of running with a weak policy.
 */

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/** `com.example.app:AB:CD:…` (32 bytes, as keytool prints a SHA-256 certificate fingerprint). */
const ANDROID_APP = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+:[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$/;

/** A comma-separated choice from `allowed`: unset or empty gives `defaults`, `none` gives nothing; anything else listed is refused. */
function choiceList<T extends string>(allowed: readonly T[], defaults: readonly T[], what: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): T[] => {
      if (v === undefined || v.trim() === "") return [...defaults];
      if (v.trim() === "none") return [];
      const items = v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.some((i) => !(allowed as readonly string[]).includes(i))) ctx.addIssue({ code: "custom", message: `must list ${what} from ${allowed.join(", ")} (or none)` });
      return items as T[];
    });
}

const base64urlSecret = z
  .string({ error: "is required (generate one with `npm run dev`, or see README)" })
  .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
  .refine((s) => s.length >= 43, "must encode at least 32 bytes");

/**
 * PHONE_DATA_KEYS: `id:secret,id:secret`, the current key first (older ones
 * still decrypt). Ids are 1–16 of a-z0-9 and unique; `pdk` names the key
 * derived from PHONE_DATA_KEY and cannot be reused.
 */
const phoneDataKeys = csv.pipe(
  z
    .array(
      z
        .string()
        .regex(/^[a-z0-9]{1,16}:[A-Za-z0-9_-]{43,}$/, "must list id:secret entries (id: 1-16 of a-z0-9; secret: base64url of at least 32 bytes)")
        .transform((entry) => {
          const [id, secret] = entry.split(":") as [string, string];
          return { id, secret };
        }),
    )
    .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, "must not repeat a key id")
    .refine((keys) => keys.every((k) => k.id !== "pdk"), "must not use the id pdk (it names PHONE_DATA_KEY's key)"),
);

const schema = z
  .object({
    ENVIRONMENT: z.enum(["development", "test", "production"]).default("production"),
    ...DELIVERY_SETTINGS,
    ...OPERATIONS_SETTINGS,
    SMS_TEMPLATE: z
      .string()
      .default("Your sign-in code is {code}. It expires in {minutes} minutes. Never share it.")
      .refine((s) => s.includes("{code}"), "must contain {code}"),
    ...SMS_MESSAGE_SETTINGS,
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: optionalString,
    TWILIO_MESSAGING_SERVICE_SID: optionalString,
    TWILIO_API_BASE: z.url().default("https://api.twilio.com"),
    TWILIO_TIMEOUT_MS: int(5000, 500, 30000),

    JWT_PRIVATE_JWK: z
      .string({ error: "is required (an Ed25519 or P-256 private JWK with kid)" })
      .refine(isPrivateSigningJwk, "must be a JSON private JWK (OKP/Ed25519 or EC/P-256) with kid and d"),
    JWT_ADDITIONAL_PUBLIC_JWKS: optionalString,
    JWT_ISSUER: z.string().min(1).default("edge-phone-auth"),
    JWT_AUDIENCE: z.string().min(1).default("edge-phone-auth"),
    SESSION_TTL_SECONDS: int(30 * 24 * 3600, 300, 90 * 24 * 3600),
    // 0: off. Otherwise at least 5 minutes: last-seen times are kept to the minute.
    SESSION_IDLE_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .refine((n) => n === 0 || (n >= 300 && n <= 90 * 24 * 3600), "must be 0 (off) or 300..7776000")
      .default(0),

    OTP_PEPPER: base64urlSecret,
    PHONE_DATA_KEY: base64urlSecret,
    PHONE_DATA_KEYS: phoneDataKeys,
    PHONE_INDEX_KEY: optionalString.pipe(base64urlSecret.optional()),
    PIN_PEPPER: base64urlSecret,
    PIN_MIN_LENGTH: int(6, 4, 8),
    PIN_MAX_ATTEMPTS: int(5, 1, 10),
    OTP_TTL_SECONDS: int(300, 60, 600),
    OTP_RESEND_COOLDOWN_SECONDS: int(60, 30, 600),
    OTP_MAX_SENDS_PER_HOUR: int(3, 1, 10),
    OTP_MAX_ATTEMPTS: int(3, 1, 10),
    OTP_LOCKOUT_SECONDS: int(900, 60, 86400),
    OTP_FAILURE_WINDOW_SECONDS: int(3600, 300, 86400),
    IP_SEND_LIMIT: int(30, 1, 10000),
    IP_VERIFY_LIMIT: int(100, 1, 10000),
    IP_WINDOW_SECONDS: int(300, 10, 86400),
    LOOKUP_PROVIDER: z.enum(["none", "twilio"]).default("none"),
    TWILIO_LOOKUP_BASE: z.url().default("https://lookups.twilio.com"),
    LOOKUP_TIMEOUT_MS: int(2000, 200, 10000),
    LOOKUP_CACHE_SECONDS: int(30 * 86400, 3600, 365 * 86400),
    LOOKUP_FAILURE_POLICY: z.enum(["allow", "deny"]).default("allow"),
    LOOKUP_BLOCKED_LINE_TYPES: choiceList(LINE_TYPES, DEFAULT_BLOCKED_LINE_TYPES, "Twilio line types"),
    TURNSTILE_SECRET_KEY: optionalString,
    TURNSTILE_MODE: z.enum(["always", "adaptive"]).default("always"),
    TURNSTILE_HOSTNAMES: csv,
    TURNSTILE_ACTION: z.string().trim().default("request_otp"),
    TURNSTILE_VERIFY_URL: z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
    TURNSTILE_TIMEOUT_MS: int(3000, 500, 10000),
    // 0: off (counted, never refused).
    SMS_PREFIX_HOURLY_LIMIT: int(20, 0, 100000),
    SMS_COUNTRY_DAILY_LIMITS: csv.pipe(z.array(z.string().regex(/^([A-Z]{2}|\*):\d{1,9}$/, "must list CC:N entries (IN:5000,GB:500,*:1000)"))),
    SMS_DAILY_BUDGET: int(0, 0, 100_000_000),
    CONVERSION_MIN_SENDS: int(20, 0, 100000),
    CONVERSION_MIN_RATE: z.coerce.number().min(0).max(1).default(0.2),
    CONVERSION_BLOCK_SECONDS: int(3600, 60, 7 * 86400),
    DEVICE_TOKEN_TTL_SECONDS: int(180 * 86400, 86400, 730 * 86400),
    MAX_DEVICES_PER_USER: int(10, 1, 100),
    AUDIT_RETENTION_DAYS: int(90, 1, 3650),
    // 0: off. The score is 0..100 (src/domain/risk.ts).
    RISK_STEP_UP_THRESHOLD: int(60, 0, 100),
    TEST_PHONE_NUMBERS: csv.pipe(z.array(z.string().regex(/^\+[1-9]\d{1,14}:\d{6}$/, "must list +E164:CODE entries with 6-digit codes (+15005550006:123456)"))),
    ALLOW_TEST_NUMBERS_IN_PRODUCTION: z.enum(["true", "false"]).default("false"),
    // `none` blocks no number type; unset: the types that are never a person's phone.
    BLOCKED_NUMBER_TYPES: choiceList(NUMBER_CATEGORIES, DEFAULT_BLOCKED_CATEGORIES, "number types"),
    SMS_COUNTRIES_ALLOW: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === "" ? "*" : v.trim()))
      .pipe(z.union([z.literal("*"), z.string().regex(/^[A-Z]{2}(,[A-Z]{2})*$/, "must be * or comma-separated ISO 3166-1 alpha-2 codes (IN,GB)")])),
    SMS_COUNTRIES_DENY: csv.pipe(z.array(z.string().regex(/^[A-Z]{2}$/, "must list ISO 3166-1 alpha-2 codes (RU,NG)"))),

    UPSTASH_REDIS_REST_URL: optionalString.pipe(z.url().optional()),
    UPSTASH_REDIS_REST_TOKEN: optionalString,
    MONGODB_URI: optionalString.pipe(
      z
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// URI")
        .optional(),
    ),
    MONGODB_DB: z.string().min(1).default("edge_phone_auth"),
    MONGODB_CONNECTION: z.enum(["gateway", "per-request"]).default("gateway"),
    MONGODB_TIMEOUT_MS: int(5000, 500, 30000),

    CORS_ORIGINS: csv,
    STORAGE_TIMEOUT_MS: int(3000, 100, 30000),

    // No default in the schema: self-hosted workerd must choose (checkOperations); elsewhere cf-connecting-ip.
    CLIENT_IP_SOURCE: optionalString.pipe(z.enum(["cf-connecting-ip", "x-forwarded-for"]).optional()),
    REQUEST_LOG: z.enum(["all", "errors", "server-errors"]).default("errors"),
    TRUSTED_PROXY_HOPS: int(1, 1, 10),
    // An origin, optionally with a path; a query, fragment or user info would break every URL built on it (the receipts' callback URL).
    PUBLIC_URL: optionalString.pipe(
      z
        .url({ protocol: /^https?$/ })
        .refine((u) => !/[?#@]/.test(u), "must be an http(s) origin, optionally with a path: no query, fragment or user info")
        .optional(),
    ),
    // The API docs UI at /docs (Swagger UI over /openapi.json); false: /docs and its files are 404.
    DOCS_ENABLED: z.enum(["true", "false"]).default("true"),

    WEBAUTHN_RP_ID: optionalString.pipe(
      z
        .string()
        .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "must be a lower-case host name, e.g. example.com")
        .optional(),
    ),
    WEBAUTHN_RP_NAME: z.string().trim().min(1).max(64).default("edge-phone-auth"),
    WEBAUTHN_ORIGINS: csv.pipe(z.array(z.string().refine(isExactOrigin, "must list exact origins such as https://app.example.com (scheme, host, optional port; no path)"))),
    ANDROID_APPS: csv.pipe(z.array(z.string().regex(ANDROID_APP, "must list package:SHA256_CERT_FINGERPRINT entries (the fingerprint as keytool prints it, 32 colon-separated hex bytes)"))),
    APPLE_APP_IDS: csv.pipe(z.array(z.string().regex(/^[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, "must list TEAMID.bundle.id entries"))),
    PASSKEY_USER_NAME: z.enum(["masked", "full"]).default("masked"),
    RECENT_AUTH_SECONDS: int(600, 60, 86400),
    // Bearer secret of the maintenance routes (/admin/*); unset: they answer 404.
    ADMIN_TOKEN: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    UNLOCK_AFTER_SECONDS: int(900, 60, 30 * 86400),
  })
  .superRefine((v, ctx) => {
    if (v.SMS_PROVIDER === "console" && v.ENVIRONMENT === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SMS_PROVIDER"],
        message: "the console SMS provider prints codes to the log and is refused when ENVIRONMENT=production",
      });
    }
    // A token from any site would do without it: the hostname check is what binds a token to the app's own pages.
    if (v.TURNSTILE_SECRET_KEY && v.TURNSTILE_HOSTNAMES.length === 0) {
      ctx.addIssue({ code: "custom", path: ["TURNSTILE_HOSTNAMES"], message: "is required when TURNSTILE_SECRET_KEY is set (the hostnames your widget runs on)" });
    }
    if (v.ENVIRONMENT === "production" && !v.TURNSTILE_VERIFY_URL.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["TURNSTILE_VERIFY_URL"], message: "must be https:// when ENVIRONMENT=production" });
    }
    if (v.LOOKUP_PROVIDER === "twilio") {
      for (const key of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] as const) {
        if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when LOOKUP_PROVIDER=twilio" });
      }
      if (v.ENVIRONMENT === "production" && !v.TWILIO_LOOKUP_BASE.startsWith("https://")) {
        ctx.addIssue({ code: "custom", path: ["TWILIO_LOOKUP_BASE"], message: "must be https:// when ENVIRONMENT=production" });
      }
    }
    checkDelivery(v, ctx);
    checkOperations(v, ctx);
    if (Boolean(v.UPSTASH_REDIS_REST_URL) !== Boolean(v.UPSTASH_REDIS_REST_TOKEN)) {
      ctx.addIssue({
        code: "custom",
        path: ["UPSTASH_REDIS_REST_TOKEN"],
        message: "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
      });
    }
    // Basic-auth credentials travel with every provider call: never in clear text.
    if (v.ENVIRONMENT === "production" && !v.TWILIO_API_BASE.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["TWILIO_API_BASE"], message: "must be https:// when ENVIRONMENT=production" });
    }
    // A passkey ceremony from a plain-http page can be tampered with in transit.
    if (v.ENVIRONMENT === "production" && v.WEBAUTHN_ORIGINS.some((o) => !o.startsWith("https://"))) {
      ctx.addIssue({ code: "custom", path: ["WEBAUTHN_ORIGINS"], message: "must list https:// origins only when ENVIRONMENT=production" });
    }
    // Fixed codes in production are a back door unless someone chose them on purpose (app-store review).
    if (v.ENVIRONMENT === "production" && v.TEST_PHONE_NUMBERS.length > 0 && v.ALLOW_TEST_NUMBERS_IN_PRODUCTION !== "true") {
      ctx.addIssue({ code: "custom", path: ["TEST_PHONE_NUMBERS"], message: "is refused when ENVIRONMENT=production unless ALLOW_TEST_NUMBERS_IN_PRODUCTION=true" });
    }
    if (v.OTP_LOCKOUT_SECONDS < v.OTP_TTL_SECONDS) {
      ctx.addIssue({ code: "custom", path: ["OTP_LOCKOUT_SECONDS"], message: "must be at least OTP_TTL_SECONDS" });
    }
  });

/** The name of every setting the Worker reads. */

export const SETTING_NAMES: readonly string[] = Object.freeze(Object.keys(schema.shape));

/** An origin exactly as a browser reports it: scheme://host[:port], nothing more. */
function isExactOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
  } catch {
    return false;
  }
}

/** Shape check only (never echoes the value): the key is imported later. */
function isPrivateSigningJwk(text: string): boolean {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof jwk !== "object" || jwk === null) return false;
  const k = jwk as Record<string, unknown>;
  const curveOk = (k.kty === "OKP" && k.crv === "Ed25519") || (k.kty === "EC" && k.crv === "P-256");
  return curveOk && typeof k.kid === "string" && k.kid.length > 0 && typeof k.d === "string" && typeof k.x === "string";
}

type Raw = z.output<typeof schema>;

export interface Config {
  readonly environment: Raw["ENVIRONMENT"];
  readonly sms: {
    readonly provider: Raw["SMS_PROVIDER"];
    readonly template: string;
    /** The message text per language and its autofill lines. */
    readonly message: MessagePolicy;
    readonly twilio: {
      readonly accountSid: string;
      readonly authToken: string;
      readonly from: string | undefined;
      readonly messagingServiceSid: string | undefined;
      readonly apiBase: string;
      readonly timeoutMs: number;
    };
  };
  /** Providers, fallback, voice and delivery receipts (src/config-delivery.ts). */
  readonly delivery: DeliveryConfig;
  readonly operations: OperationsConfig;
  readonly jwt: {
    readonly privateJwk: string;
    /** JSON of public JWKs that are published and verify tokens but never sign (key rotation). */
    readonly additionalPublicJwks: string | null;
    readonly issuer: string;
    readonly audience: string;
    readonly ttlSeconds: number;
  };
  readonly secrets: KeySecrets;
  readonly pin: {
    /** Shortest PIN accepted when one is set (4..8). */
    readonly minLength: number;
    /** Wrong PINs after which PIN unlock is off until the next sign-in (PIN-03). */
    readonly maxAttempts: number;
  };
  /** A session unused this long ends; 0: never (only its absolute lifetime). */
  readonly sessionIdleTimeoutSeconds: number;
  /** How long the users' own audit trail keeps an entry. */
  readonly auditRetentionDays: number;
  readonly otp: {
    readonly ttlSeconds: number;
    readonly resendCooldownSeconds: number;
    readonly maxSendsPerHour: number;
    readonly maxAttempts: number;
    readonly lockoutSeconds: number;
    readonly failureWindowSeconds: number;
  };
  readonly ipLimits: { readonly send: number; readonly verify: number; readonly windowSeconds: number };
  /** The carrier line-type lookup (src/domain/line-type.ts); provider `none`: off. */
  readonly lookup: {
    readonly provider: "none" | "twilio";
    readonly apiBase: string;
    readonly timeoutMs: number;
    readonly cacheSeconds: number;
    readonly onFailure: "allow" | "deny";
    readonly blockedLineTypes: readonly LineType[];
  };
  /** The Turnstile bot check on request-otp; null: off. */
  readonly turnstile: {
    readonly secretKey: string;
    readonly mode: "always" | "adaptive";
    readonly hostnames: readonly string[];
    /** null: any action. */
    readonly action: string | null;
    readonly verifyUrl: string;
    readonly timeoutMs: number;
  } | null;
  /** SMS budgets (src/domain/budgets.ts); Infinity: no limit. */
  readonly budgets: {
    readonly prefixHourly: number;
    readonly countryDaily: ReadonlyMap<string, number>;
    readonly globalDaily: number;
    readonly conversion: { readonly minSends: number; readonly minRate: number; readonly blockMs: number };
  };
  /** A sign-in scoring above this must be unlocked before its session counts; 0: off. */
  readonly riskStepUpThreshold: number;
  /** How long a recognised device's token lives unused (each sign-in renews it). */
  readonly deviceTokenTtlSeconds: number;
  /** Recognised devices kept per user; the least recently used beyond it are forgotten. */
  readonly maxDevicesPerUser: number;
  /** Test phone numbers (E.164 → fixed code): never sent an SMS, same limits. */
  readonly testNumbers: ReadonlyMap<string, string>;
  /** Which numbers may be sent a code at all (src/domain/number-policy.ts). */
  readonly numbers: {
    readonly blockedTypes: readonly NumberCategory[];
    /** null: every country. */
    readonly allowCountries: readonly string[] | null;
    readonly denyCountries: readonly string[];
  };
  /** Set when the Upstash Redis stores are used (production profile). */
  readonly upstash: { readonly url: string; readonly token: string } | null;
  /** Set when the MongoDB user store is used (production profile). */
  readonly mongo: {
    readonly uri: string;
    readonly db: string;
    readonly connection: "gateway" | "per-request";
    readonly timeoutMs: number;
  } | null;
  readonly corsOrigins: readonly string[];
  readonly storageTimeoutMs: number;
  /** Where the client address for per-IP limits comes from. */
  readonly clientIp: {
    readonly source: NonNullable<Raw["CLIENT_IP_SOURCE"]>;
    /** With x-forwarded-for: the entry this many hops from the right is the client. */
    readonly trustedProxyHops: number;
  };
  /** Public origin of the API (OpenAPI `servers`); null: the request's own origin. */
  readonly publicUrl: string | null;
  /** Whether /docs (Swagger UI) and its files are served. */
  readonly docsEnabled: boolean;
  /** Which requests get a `type: "request"` line: every one, status ≥ 400, or status ≥ 500. */
  readonly requestLog: Raw["REQUEST_LOG"];
  readonly webauthn: {
    /** null: the request's host, in development only (production refuses passkeys without it). */
    readonly rpId: string | null;
    readonly rpName: string;
    /** Exact web origins; empty: the request's own origin, in development only. */
    readonly origins: readonly string[];
    readonly androidApps: readonly AndroidApp[];
    readonly appleAppIds: readonly string[];
    readonly userName: "masked" | "full";
  };
  /** A sensitive route needs a session authenticated this recently (else 401 step_up_required). */
  readonly recentAuthSeconds: number;
  /** Bearer secret of /admin/*; null: those routes answer 404. */
  readonly adminToken: string | null;
  /** check-session asks for an unlock (biometric or PIN) once the last authentication is this old. */
  readonly unlockAfterSeconds: number;
}

export interface AndroidApp {
  readonly packageName: string;
  /** Upper-case colon hex, as assetlinks.json lists it. */
  readonly fingerprint: string;
  /** `android:apk-key-hash:<base64url(SHA-256 of the signing certificate)>`: the origin its passkey ceremonies carry. */
  readonly origin: string;
}

function androidApp(entry: string): AndroidApp {
  const colon = entry.indexOf(":");
  const fingerprint = entry.slice(colon + 1).toUpperCase();
  const bytes = Uint8Array.from(fingerprint.split(":"), (h) => parseInt(h, 16));
  const base64url = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { packageName: entry.slice(0, colon), fingerprint, origin: `android:apk-key-hash:${base64url}` };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses raw Worker bindings (strings) into a Config, or lists every problem. */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
  const strings: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (typeof v === "string" || typeof v === "number") strings[key] = v;
  }
  const parsed = schema.safeParse(strings);
  if (!parsed.success) {
    // Messages name the setting and the rule, never the value (it may be a secret).
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
    return { ok: false, problems };
  }
  const v = parsed.data;
  const config: Config = {
    environment: v.ENVIRONMENT,
    sms: {
      provider: v.SMS_PROVIDER,
      template: v.SMS_TEMPLATE,
      message: messagePolicy(v),
      twilio: {
        accountSid: v.TWILIO_ACCOUNT_SID ?? "",
        authToken: v.TWILIO_AUTH_TOKEN ?? "",
        from: v.TWILIO_FROM,
        messagingServiceSid: v.TWILIO_MESSAGING_SERVICE_SID,
        apiBase: v.TWILIO_API_BASE.replace(/\/+$/, ""),
        timeoutMs: v.TWILIO_TIMEOUT_MS,
      },
    },
    delivery: deliveryConfig(v),
    operations: operationsConfig(v),
    jwt: {
      privateJwk: v.JWT_PRIVATE_JWK,
      additionalPublicJwks: v.JWT_ADDITIONAL_PUBLIC_JWKS ?? null,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      ttlSeconds: v.SESSION_TTL_SECONDS,
    },
    secrets: { otpPepper: v.OTP_PEPPER, phoneDataKey: v.PHONE_DATA_KEY, pinPepper: v.PIN_PEPPER, phoneDataKeys: v.PHONE_DATA_KEYS, phoneIndexKey: v.PHONE_INDEX_KEY ?? null },
    pin: { minLength: v.PIN_MIN_LENGTH, maxAttempts: v.PIN_MAX_ATTEMPTS },
    sessionIdleTimeoutSeconds: v.SESSION_IDLE_TIMEOUT_SECONDS,
    auditRetentionDays: v.AUDIT_RETENTION_DAYS,
    otp: {
      ttlSeconds: v.OTP_TTL_SECONDS,
      resendCooldownSeconds: v.OTP_RESEND_COOLDOWN_SECONDS,
      maxSendsPerHour: v.OTP_MAX_SENDS_PER_HOUR,
      maxAttempts: v.OTP_MAX_ATTEMPTS,
      lockoutSeconds: v.OTP_LOCKOUT_SECONDS,
      failureWindowSeconds: v.OTP_FAILURE_WINDOW_SECONDS,
    },
    ipLimits: { send: v.IP_SEND_LIMIT, verify: v.IP_VERIFY_LIMIT, windowSeconds: v.IP_WINDOW_SECONDS },
    lookup: {
      provider: v.LOOKUP_PROVIDER,
      apiBase: v.TWILIO_LOOKUP_BASE.replace(/\/+$/, ""),
      timeoutMs: v.LOOKUP_TIMEOUT_MS,
      cacheSeconds: v.LOOKUP_CACHE_SECONDS,
      onFailure: v.LOOKUP_FAILURE_POLICY,
      blockedLineTypes: v.LOOKUP_BLOCKED_LINE_TYPES,
    },
    turnstile: v.TURNSTILE_SECRET_KEY
      ? {
          secretKey: v.TURNSTILE_SECRET_KEY,
          mode: v.TURNSTILE_MODE,
          hostnames: v.TURNSTILE_HOSTNAMES,
          action: v.TURNSTILE_ACTION === "" ? null : v.TURNSTILE_ACTION,
          verifyUrl: v.TURNSTILE_VERIFY_URL,
          timeoutMs: v.TURNSTILE_TIMEOUT_MS,
        }
      : null,
    budgets: {
      prefixHourly: v.SMS_PREFIX_HOURLY_LIMIT === 0 ? Infinity : v.SMS_PREFIX_HOURLY_LIMIT,
      countryDaily: new Map(v.SMS_COUNTRY_DAILY_LIMITS.map((e) => [e.split(":")[0]!, Number(e.split(":")[1])] as [string, number])),
      globalDaily: v.SMS_DAILY_BUDGET === 0 ? Infinity : v.SMS_DAILY_BUDGET,
      conversion: { minSends: v.CONVERSION_MIN_SENDS, minRate: v.CONVERSION_MIN_RATE, blockMs: v.CONVERSION_BLOCK_SECONDS * 1000 },
    },
    deviceTokenTtlSeconds: v.DEVICE_TOKEN_TTL_SECONDS,
    maxDevicesPerUser: v.MAX_DEVICES_PER_USER,
    riskStepUpThreshold: v.RISK_STEP_UP_THRESHOLD,
    testNumbers: new Map(v.TEST_PHONE_NUMBERS.map((entry) => entry.split(":") as [string, string])),
    numbers: {
      blockedTypes: v.BLOCKED_NUMBER_TYPES,
      allowCountries: v.SMS_COUNTRIES_ALLOW === "*" ? null : v.SMS_COUNTRIES_ALLOW.split(","),
      denyCountries: v.SMS_COUNTRIES_DENY,
    },
    upstash:
      v.UPSTASH_REDIS_REST_URL && v.UPSTASH_REDIS_REST_TOKEN
        ? { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN }
        : null,
    mongo: v.MONGODB_URI
      ? { uri: v.MONGODB_URI, db: v.MONGODB_DB, connection: v.MONGODB_CONNECTION, timeoutMs: v.MONGODB_TIMEOUT_MS }
      : null,
    corsOrigins: v.CORS_ORIGINS,
    storageTimeoutMs: v.STORAGE_TIMEOUT_MS,
    clientIp: { source: v.CLIENT_IP_SOURCE ?? "cf-connecting-ip", trustedProxyHops: v.TRUSTED_PROXY_HOPS },
    requestLog: v.REQUEST_LOG,
    publicUrl: v.PUBLIC_URL ? v.PUBLIC_URL.replace(/\/+$/, "") : null,
    docsEnabled: v.DOCS_ENABLED === "true",
    webauthn: {
      rpId: v.WEBAUTHN_RP_ID ?? null,
      rpName: v.WEBAUTHN_RP_NAME,
      origins: v.WEBAUTHN_ORIGINS,
      androidApps: v.ANDROID_APPS.map(androidApp),
      appleAppIds: v.APPLE_APP_IDS,
      userName: v.PASSKEY_USER_NAME,
    },
    recentAuthSeconds: v.RECENT_AUTH_SECONDS,
    adminToken: v.ADMIN_TOKEN ?? null,
    unlockAfterSeconds: v.UNLOCK_AFTER_SECONDS,
  };
  return { ok: true, config: deepFreeze(config) };
}

// Bindings objects are stable for an isolate's life, so each is parsed once.
const cache = new WeakMap<object, ConfigResult>();

/** parseConfig, memoised per env object. */
export function loadConfig(env: object): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    result = parseConfig(env as Record<string, unknown>);
    cache.set(env, result);
  }
  return result;
}
