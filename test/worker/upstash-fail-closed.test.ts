import { Ratelimit } from "@upstash/ratelimit";
import { describe, expect, it } from "vitest";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashIpRateLimiter } from "../../src/adapters/upstash/ip-rate-limiter";
import { UpstashOtpStore } from "../../src/adapters/upstash/otp-store";
import { UpstashRateLimiter } from "../../src/adapters/upstash/rate-limiter";
import type { RateLimiter, SmsMessage, SmsSender } from "../../src/domain/ports";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { DependencyError } from "../../src/errors";
import { toAuthError } from "../../src/lib/http-error";
import type { Services } from "../../src/services";
import { phoneHash } from "../../src/lib/keys";
import { hasRedis, services, testEnv, uniqueIp, uniquePhone, upstashSettings } from "./helpers";

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

  it("SEND-06: a store call past its deadline is a DependencyError, and so is a refused connection", async () => {
    const hang = new UpstashOtpStore(createUpstashClient({ url: testEnv.BLACKHOLE_URL, token: "t", timeoutMs: 200 }), 5000);
    expect(await hang.get("h", "sign_in", Date.now()).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
    const closed = new UpstashOtpStore(refusingRedis(), 2000);
    expect(await closed.get("h", "sign_in", Date.now()).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
  });
});

class RecordingSender implements SmsSender {
  readonly sent: SmsMessage[] = [];
  async send(message: SmsMessage): Promise<void> {
    this.sent.push(message);
  }
}

/** The public answer an error becomes (the Worker's error handler maps it the same way). */
function answer(err: unknown): { status: number; code: string } {
  const e = toAuthError(err);
  return { status: e.status, code: e.code };
}

const client = () => ({ ip: uniqueIp(), userAgent: null });

/**
 * With the whole of Redis down, the code store's failure would also give a
 * 503, hiding a limiter that fails open. Here only the limiter is down: the
 * code store, sessions and SMS sender work, so a limiter that let the
 * request through would store and send a code, and the test would see it.
 */
describe.skipIf(!hasRedis)("Upstash profile: only a limiter down, everything else up (SEND-06)", () => {
  const ipLimiterDown: [string, () => RateLimiter][] = [
    ["per-IP limiter hanging", () => new UpstashIpRateLimiter(silentRedis(200), 200)],
    ["per-IP limiter refusing connections", () => new UpstashIpRateLimiter(refusingRedis(), 1000)],
  ];
  const oneLimiterDown: [string, () => Partial<Services>][] = [
    ["exact per-phone limiter hanging", () => ({ limiter: new UpstashRateLimiter(silentRedis(200), 300) })],
    ["exact per-phone limiter refusing connections", () => ({ limiter: new UpstashRateLimiter(refusingRedis(), 2000) })],
    ...ipLimiterDown.map(([name, make]): [string, () => Partial<Services>] => [name, () => ({ ipLimiter: make() })]),
  ];

  it("control: the same services with working limiters store and send a code", async () => {
    const sms = new RecordingSender();
    const deps = await services({ sms }, upstashSettings());
    expect(deps.otps).toBeInstanceOf(UpstashOtpStore);
    const phone = uniquePhone();
    await expect(requestOtp(deps, { phone }, client())).resolves.toMatchObject({ status: "sent" });
    expect(sms.sent.map((m) => m.to)).toEqual([phone]);
    expect(await deps.otps.get(await phoneHash(deps.keys, phone), "sign_in", Date.now())).not.toBeNull();
  });

  for (const [name, down] of oneLimiterDown) {
    it(`SEND-06: request-otp with the ${name} is 503 service_unavailable, and no code is sent or stored`, async () => {
      const sms = new RecordingSender();
      const deps = await services({ sms, ...down() }, upstashSettings());
      expect(deps.otps).toBeInstanceOf(UpstashOtpStore);
      const phone = uniquePhone();
      const err = await requestOtp(deps, { phone }, client()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DependencyError);
      expect(answer(err)).toEqual({ status: 503, code: "service_unavailable" });
      expect(sms.sent).toHaveLength(0);
      expect(await deps.otps.get(await phoneHash(deps.keys, phone), "sign_in", Date.now())).toBeNull();
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
