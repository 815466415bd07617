import { describe, expect, it } from "vitest";
import { AnalyticsEngineMetrics, type DataPointWriter } from "../../../src/adapters/analytics-engine/metrics-sink";
import { parseConfig } from "../../../src/config";
import { METRIC_BLOBS, METRIC_DOUBLES, metricPoint, MetricsEventSink, type CostEstimates, type MetricPoint } from "../../../src/domain/metrics";
import type { AuthEvent } from "../../../src/domain/ports";
import { generateDevSecrets } from "../../../scripts/secrets.mjs";

const costs: CostEstimates = { sms: new Map([["*", 0.05], ["GB", 0.04]]), voice: new Map([["GB", 0.02]]) };
const full: AuthEvent = {
  event: "otp.sent",
  outcome: "success",
  phoneHash: "a".repeat(64),
  country: "GB",
  userId: "user-1",
  sessionId: "session-1",
  messageId: "SM0123456789abcdef0123456789abcdef",
  prefix: "0123456789abcdef0123456789abcdef",
  provider: "twilio",
  channel: "sms",
  lineType: "mobile",
  latencyMs: 120,
};

describe("metric points (pure)", () => {
  it("hold exactly the layout's labels and numbers: no phone hash, user, session or message id", () => {
    const point = metricPoint(full, costs);
    expect(Object.keys(point).sort()).toEqual([...METRIC_BLOBS, ...METRIC_DOUBLES].sort());
    expect(JSON.stringify(point)).not.toMatch(/user-1|session-1|SM0123|aaaaaaaaaaaa/);
    expect(point).toMatchObject({ event: "otp.sent", country: "GB", prefix: "0123456789ab", provider: "twilio", lineType: "mobile", channel: "sms", purpose: "sign_in", count: 1, latencyMs: 120, costUsd: 0.04 });
  });

  it("cost is the channel's estimate for the country (else `*`, else 0), and only for a message a provider took", () => {
    expect(metricPoint({ ...full, country: "FR" }, costs).costUsd).toBe(0.05);
    expect(metricPoint({ ...full, channel: "voice" }, costs).costUsd).toBe(0.02);
    expect(metricPoint({ ...full, channel: "voice", country: "FR" }, costs).costUsd).toBe(0);
    expect(metricPoint({ ...full, reason: "test_number" }, costs).costUsd).toBe(0);
    expect(metricPoint({ ...full, event: "otp.send_failed", outcome: "failure" }, costs).costUsd).toBe(0);
    // No answer: the message may have left and been billed.
    expect(metricPoint({ ...full, event: "otp.send_unconfirmed", outcome: "failure", reason: "timeout" }, costs).costUsd).toBe(0.04);
    expect(metricPoint(full, { sms: new Map(), voice: new Map() }).costUsd).toBe(0);
  });

  it("keep a reason's rule and drop its free-text detail (a refused ceremony's library message)", () => {
    expect(metricPoint({ event: "biometric.failed", outcome: "denied", reason: "assertion: Unexpected authentication response origin \"https://evil.example\"" }, costs).reason).toBe("assertion");
    expect(metricPoint({ event: "otp.requested", outcome: "denied", reason: "line_type:nonFixedVoip" }, costs).reason).toBe("line_type:nonFixedVoip");
    expect(metricPoint({ event: "otp.requested", outcome: "denied", reason: "x".repeat(200) }, costs).reason).toHaveLength(64);
  });

  it("name the method of each sign-in or unlock", () => {
    expect(metricPoint({ event: "otp.verified", outcome: "success", riskScore: 40 }, costs)).toMatchObject({ method: "otp", riskScore: 40 });
    expect(metricPoint({ event: "biometric.verified", outcome: "success", credentialKind: "device_key" }, costs).method).toBe("device_key");
    expect(metricPoint({ event: "pin.verified", outcome: "success" }, costs).method).toBe("pin");
    expect(metricPoint({ event: "session.created", outcome: "success" }, costs)).toMatchObject({ method: "", purpose: "" });
  });

  it("the Analytics Engine adapter writes blobs and doubles in the layout's order, indexed by event", () => {
    const written: Parameters<DataPointWriter["writeDataPoint"]>[0][] = [];
    new AnalyticsEngineMetrics({ writeDataPoint: (p) => void written.push(p) }).write(metricPoint(full, costs));
    expect(written).toEqual([
      {
        indexes: ["otp.sent"],
        blobs: ["otp.sent", "success", "GB", "0123456789ab", "twilio", "", "mobile", "sms", "", "sign_in"],
        doubles: [1, 120, 0.04, 0],
      },
    ]);
  });

  it("a sink that throws loses the point; the event still reaches the log", () => {
    const logged: AuthEvent[] = [];
    const errors: unknown[] = [];
    const sink = new MetricsEventSink({ emit: (e) => void logged.push(e) }, { write: (_: MetricPoint) => { throw new Error("down"); } }, costs, (e) => void errors.push(e));
    expect(() => sink.emit(full)).not.toThrow();
    expect(logged).toEqual([full]);
    expect(errors).toHaveLength(1);
  });
});

describe("operations settings", () => {
  const base = { ...generateDevSecrets(), ENVIRONMENT: "test", SMS_PROVIDER: "console" };
  const problems = (extra: Record<string, string>): string[] => {
    const r = parseConfig({ ...base, ...extra });
    return r.ok ? [] : r.problems;
  };

  it("cost estimates parse COUNTRY:PRICE pairs and refuse anything else", () => {
    const r = parseConfig({ ...base, SMS_COST_ESTIMATES: "*:0.05, GB:0.04", VOICE_COST_ESTIMATES: "US:0.013" });
    expect(r.ok && [...r.config.operations.costs.sms]).toEqual([["*", 0.05], ["GB", 0.04]]);
    for (const bad of ["GB", "gb:0.04", "GB:abc", "GB:0.04,GB:0.05", "GBR:0.1", "GB:-1"]) {
      expect(problems({ SMS_COST_ESTIMATES: bad }).join(), bad).toMatch(/SMS_COST_ESTIMATES/);
    }
  });

  it("SEND-02: self-hosted workerd must name its client address source (a client could set CF-Connecting-IP itself); elsewhere it defaults to Cloudflare's", () => {
    expect(problems({ WORKERD_CONFIG: "embedded" }).join()).toMatch(/CLIENT_IP_SOURCE: must be set on self-hosted workerd/);
    for (const source of ["x-forwarded-for", "cf-connecting-ip"]) expect(problems({ WORKERD_CONFIG: "embedded", CLIENT_IP_SOURCE: source })).toEqual([]);
    const cloudflare = parseConfig({ ...base });
    expect(cloudflare.ok && cloudflare.config.clientIp.source).toBe("cf-connecting-ip");
  });

  it("ATTEMPT_COUNTER_STORE=redis needs the production profile's Redis", () => {
    expect(problems({ ATTEMPT_COUNTER_STORE: "redis" }).join()).toMatch(/ATTEMPT_COUNTER_STORE/);
    expect(problems({ ATTEMPT_COUNTER_STORE: "redis", UPSTASH_REDIS_REST_URL: "https://r.example", UPSTASH_REDIS_REST_TOKEN: "t" })).toEqual([]);
    expect(problems({ ATTEMPT_COUNTER_STORE: "memcached" }).join()).toMatch(/ATTEMPT_COUNTER_STORE/);
  });

  it("the self-hosted production configs (WORKERD_CONFIG, set by config.capnp) need Redis and the Redis counter; productionMongo needs MongoDB", () => {
    const redis = { UPSTASH_REDIS_REST_URL: "https://r.example", UPSTASH_REDIS_REST_TOKEN: "t", CLIENT_IP_SOURCE: "x-forwarded-for" };
    expect(problems({ WORKERD_CONFIG: "embedded", CLIENT_IP_SOURCE: "x-forwarded-for" })).toEqual([]);
    expect(problems({ WORKERD_CONFIG: "production", CLIENT_IP_SOURCE: "x-forwarded-for" }).join()).toMatch(/UPSTASH_REDIS_REST_URL: is required by the self-hosted production config/);
    expect(problems({ WORKERD_CONFIG: "production", ...redis }).join()).toMatch(/ATTEMPT_COUNTER_STORE: must be redis/);
    expect(problems({ WORKERD_CONFIG: "production", ...redis, ATTEMPT_COUNTER_STORE: "redis" })).toEqual([]);
    expect(problems({ WORKERD_CONFIG: "productionMongo", ...redis, ATTEMPT_COUNTER_STORE: "redis" }).join()).toMatch(/MONGODB_URI: is required/);
    expect(problems({ WORKERD_CONFIG: "productionMongo", ...redis, ATTEMPT_COUNTER_STORE: "redis", MONGODB_URI: "mongodb+srv://u:p@cluster.example/x" })).toEqual([]);
  });
});
