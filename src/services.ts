import { ConsoleSmsSender } from "./adapters/console/sms-sender";
import { D1UserStore } from "./adapters/d1/user-store";
import { DurableAttemptCounter } from "./adapters/durable-object/attempt-counter";
import { DurableOtpStore } from "./adapters/durable-object/otp-store";
import { DurableRateLimiter } from "./adapters/durable-object/rate-limiter";
import { DurableSessionStore } from "./adapters/durable-object/session-store";
import { TwilioSmsSender } from "./adapters/twilio/sms-sender";
import type { Config } from "./config";
import type { SignInDeps } from "./domain/sign-in";
import type { Env } from "./env";
import { secretKeys } from "./lib/keys";
import { loadSigningKey } from "./lib/jwt";
import { LogAuthEvents } from "./lib/log";
import type { SmsSender } from "./domain/ports";

export type Services = SignInDeps;

function smsSender(env: Env, config: Config): SmsSender {
  if (config.sms.provider === "twilio") return new TwilioSmsSender(config.sms.twilio);
  return new ConsoleSmsSender(env.DEV_OUTBOX);
}

/**
 * Wires ports to adapters for one request. Adapters are thin objects over
 * bindings; the expensive parts (keys, config) are cached per isolate.
 */
export async function buildServices(env: Env, config: Config, requestId: string): Promise<Services> {
  const [keys, signingKey] = await Promise.all([
    secretKeys(config.secrets.otpPepper, config.secrets.phoneDataKey),
    loadSigningKey(config.jwt.privateJwk),
  ]);
  const t = config.storageTimeoutMs;
  return {
    policy: {
      ttlSeconds: config.otp.ttlSeconds,
      resendCooldownSeconds: config.otp.resendCooldownSeconds,
      maxSendsPerHour: config.otp.maxSendsPerHour,
      maxAttempts: config.otp.maxAttempts,
      lockoutSeconds: config.otp.lockoutSeconds,
      failureWindowSeconds: config.otp.failureWindowSeconds,
      smsTemplate: config.sms.template,
      ipSendLimit: config.ipLimits.send,
      ipVerifyLimit: config.ipLimits.verify,
      ipWindowSeconds: config.ipLimits.windowSeconds,
    },
    keys,
    otps: new DurableOtpStore(env.OTP_VAULT, t),
    attempts: new DurableAttemptCounter(env.ATTEMPT_COUNTER, t),
    limiter: new DurableRateLimiter(env.RATE_LIMITER, t),
    sessions: new DurableSessionStore(env.SESSION_VAULT, t),
    users: new D1UserStore(env.DB, t),
    sms: smsSender(env, config),
    events: new LogAuthEvents(requestId),
    signingKey,
    verificationKeys: [signingKey],
    token: { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds },
    now: () => Date.now(),
  };
}
