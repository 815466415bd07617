import { Ratelimit } from "@upstash/ratelimit";
import { describe, expect, it } from "vitest";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashIpRateLimiter } from "../../src/adapters/upstash/ip-rate-limiter";
import { UpstashOtpLedger } from "../../src/adapters/upstash/otp-ledger";
import { DurableAttemptCounter } from "../../src/adapters/durable-object/attempt-counter";
import type { RateLimiter, SentMessage, SmsMessage, SmsSender } from "../../src/domain/ports";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { DependencyError } from "../../src/errors";
import { toAuthError } from "../../src/lib/http-error";
import type { Services } from "../../src/services";
import { phoneHash } from "../../src/lib/keys";
import { hasRedis, redisCommand, services, testEnv, uniqueIp, uniquePhone, upstashSettings } from "./helpers";

const counter = (timeoutMs = 2000) => new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, timeoutMs);
/** The raw stored code of a phone in Redis, or null. */
const redisCode = async (hash: string): Promise<unknown> => redisCommand(["GET", `otp:{${hash}}:sign_in`]);

// A Redis that accepts the connection and never answers (global setup).
const silentRedis = (timeoutMs = 5000) => createUpstashClient({ url: testEnv.BLACKHOLE_URL, token: "t", timeoutMs });
// Nothing listens on the discard port: the connection is refused at once.
const refusingRedis = () => createUpstashClient({ url: "http://127.0.0.1:9", token: "t", timeoutMs: 1000 });

describe("Upstash limits fail closed (SEND-06)", () => {
  it("background: @upstash/ratelimit on its own fails OPEN on timeout, which is why the adapter below exists", async () => {
    const raw = new Ratelimit({ redis: silentRedis(), limiter: Ratelimit.slidingWindow(1, "60 s"), timeout: 200, ephemeralCache: false });
    const res = await raw.limit("x");
    expect(res).toMatchObject({ success: true, reason: "timeout" });
  });

  it("SEND-06: the per-IP adapter turns that timeout into a DependencyError (503), never a pass", async () => {
    const limiter = new UpstashIpRateLimiter(silentRedis(), 200);
    const err = await limiter.hit("ip:send:203.0.113.9", { limit: 30, windowMs: 300_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
  });

  it("SEND-06: a ledger call past its deadline is a DependencyError, and so is a refused connection", async () => {
    const policy = { maxAttempts: 3, lockoutMs: 1000, windowMs: 1000 };
    const hang = new UpstashOtpLedger(createUpstashClient({ url: testEnv.BLACKHOLE_URL, token: "t", timeoutMs: 200 }), counter(), 5000);
    expect(await hang.check("h", "sign_in", "d", policy, Date.now(), async () => 1).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
    const closed = new UpstashOtpLedger(refusingRedis(), counter(), 2000);
    expect(await closed.issue("h", "sign_in", "d", { ttlMs: 1000, cooldownMs: 0, maxSendsPerHour: 1 }, Date.now()).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
  });
});

class RecordingSender implements SmsSender {
  readonly provider = "twilio";
  readonly sent: SmsMessage[] = [];
  async send(message: SmsMessage): Promise<SentMessage> {
    this.sent.push(message);
    return { messageId: null };
  }
}

/** The public answer an error becomes (the Worker's error handler maps it the same way). */
function answer(err: unknown): { status: number; code: string } {
  const e = toAuthError(err);
  return { status: e.status, code: e.code };
}

const client = () => ({ ip: uniqueIp(), userAgent: null, country: null });

/**
 * With the whole of Redis down, every store's failure would give a 503,
 * hiding a limit that fails open. Here only one limit is down (the per-IP
 * limiter, or the ledger that holds the per-phone quotas): everything else
 * works, so a limit that let the request through would send a code (or
 * leave one stored), and the test would see it.
 */
describe.skipIf(!hasRedis)("Upstash profile: only a limiter down, everything else up (SEND-06)", () => {
  const ipLimiterDown: [string, () => RateLimiter][] = [
    ["per-IP limiter hanging", () => new UpstashIpRateLimiter(silentRedis(200), 200)],
    ["per-IP limiter refusing connections", () => new UpstashIpRateLimiter(refusingRedis(), 1000)],
  ];
  const oneLimiterDown: [string, () => Partial<Services>][] = [
    ["per-phone ledger (cooldown, hourly quota) hanging", () => ({ ledger: new UpstashOtpLedger(silentRedis(200), counter(), 300) })],
    ["per-phone ledger refusing connections", () => ({ ledger: new UpstashOtpLedger(refusingRedis(), counter(), 2000) })],
    ...ipLimiterDown.map(([name, make]): [string, () => Partial<Services>] => [name, () => ({ ipLimiter: make() })]),
  ];

  it("control: the same services with working limiters store and send a code", async () => {
    const sms = new RecordingSender();
    const deps = await services({ sms }, upstashSettings());
    expect(deps.ledger).toBeInstanceOf(UpstashOtpLedger);
    const phone = uniquePhone();
    await expect(requestOtp(deps, { phone }, client())).resolves.toMatchObject({ status: "sent" });
    expect(sms.sent.map((m) => m.to)).toEqual([phone]);
    expect(await redisCode(await phoneHash(deps.keys, phone))).not.toBeNull();
  });

  for (const [name, down] of oneLimiterDown) {
    it(`SEND-06: request-otp with the ${name} is 503 service_unavailable, and no code is sent or stored`, async () => {
      const sms = new RecordingSender();
      const deps = await services({ sms, ...down() }, upstashSettings());
      expect(deps.ledger).toBeInstanceOf(UpstashOtpLedger);
      const phone = uniquePhone();
      const err = await requestOtp(deps, { phone }, client()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DependencyError);
      expect(answer(err)).toEqual({ status: 503, code: "service_unavailable" });
      expect(sms.sent).toHaveLength(0);
      expect(await redisCode(await phoneHash(deps.keys, phone))).toBeNull();
    });
  }

  for (const [name, make] of ipLimiterDown) {
    it(`SEND-06: verify-otp with the ${name} is 503 even for the right code, which stays unused`, async () => {
      const sms = new RecordingSender();
      const up = await services({ sms }, upstashSettings());
      const phone = uniquePhone();
      const c = client();
      await requestOtp(up, { phone }, c);
      const code = /\b(\d{6})\b/.exec(sms.sent[0]!.body)![1]!;
      const down = await services({ sms, ipLimiter: make() }, upstashSettings());
      const err = await verifyOtp(down, { phone, otp: code }, c).then(
        () => null,
        (e: unknown) => e,
      );
      expect(answer(err)).toEqual({ status: 503, code: "service_unavailable" });
      // The refused verify neither consumed the code nor signed anyone in.
      expect((await verifyOtp(up, { phone, otp: code }, c)).token).toEqual(expect.any(String));
    });
  }
});
