import { Ratelimit } from "@upstash/ratelimit";
import { describe, expect, it } from "vitest";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashIpRateLimiter } from "../../src/adapters/upstash/ip-rate-limiter";
import { UpstashOtpStore } from "../../src/adapters/upstash/otp-store";
import { DependencyError } from "../../src/errors";
import { testEnv } from "./helpers";

// A Redis that accepts the connection and never answers (global setup).
const silentRedis = () => createUpstashClient({ url: testEnv.BLACKHOLE_URL, token: "t", timeoutMs: 5000 });

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
    const closed = new UpstashOtpStore(createUpstashClient({ url: "http://127.0.0.1:9", token: "t", timeoutMs: 1000 }), 2000);
    expect(await closed.get("h", "sign_in", Date.now()).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
  });
});
