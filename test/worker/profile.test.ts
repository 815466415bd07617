import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { buildServices } from "../../src/services";
import { call, hasRedis, testEnv, upstashSettings } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

async function profileLines(bindings: Env): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const result = loadConfig(bindings);
  if (!result.ok) throw new Error(result.problems.join("; "));
  for (let i = 0; i < 3; i++) await buildServices(bindings, result.config, `r${i}`);
  return lines.filter((l) => l.includes('"type":"profile"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("profile selection", () => {
  it("logs the embedded profile once per isolate when no external settings are given", async () => {
    const lines = await profileLines({ ...testEnv } as Env);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ codes: "durable-object (PhoneLedger)", sessions: "durable-object", attemptCounter: "durable-object (PhoneLedger)", users: "d1" });
  });

  it.runIf(hasRedis)("logs the Upstash profile when both UPSTASH_* settings are set", async () => {
    const lines = await profileLines({ ...testEnv, ...upstashSettings() } as Env);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ codes: "upstash-redis", sessions: "upstash-redis", rateLimits: "upstash-redis", attemptCounter: "durable-object (AttemptCounter)", users: "d1" });
  });

  it("refuses half an Upstash configuration, and MONGODB_URI on a build without the driver", async () => {
    const half = loadConfig({ ...testEnv, UPSTASH_REDIS_REST_URL: "https://example.upstash.io" });
    expect(half.ok).toBe(false);
    const mongo = loadConfig({ ...testEnv, MONGODB_URI: "mongodb://127.0.0.1:9/x" });
    expect(mongo.ok).toBe(true);
    if (mongo.ok) {
      await expect(buildServices({ ...testEnv } as Env, mongo.config, "r")).rejects.toThrow(/--env mongo/);
    }
    const res = await call("/readyz", { settings: { MONGODB_URI: "mongodb://127.0.0.1:9/x" } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("service_misconfigured");
  });
});
