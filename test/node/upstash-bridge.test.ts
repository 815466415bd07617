import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, stripUpstashFlags } from "../../tools/upstash-bridge/server.mjs";
import { startRedisServer } from "../../tools/upstash-bridge/redis-server.mjs";
import { redisServerOrSkip } from "../support/redis-guard";

const hasRedis = redisServerOrSkip();
const TOKEN = "bridge-test-token";
let stopAll: () => Promise<void> = async () => {};
let url = "";

beforeAll(async () => {
  if (!hasRedis) return;
  const redis = await startRedisServer();
  const bridge = await startBridge({ redisPort: redis.port, token: TOKEN });
  url = bridge.url;
  stopAll = async () => {
    await bridge.close();
    await redis.stop();
  };
});
afterAll(() => stopAll());

const client = (token = TOKEN) => new Redis({ url, token, retry: false, automaticDeserialization: false });

describe("shebang flag stripping", () => {
  it("removes allow-key-locking and keeps other flags", () => {
    expect(stripUpstashFlags("#!lua flags=allow-key-locking\nreturn 1")).toBe("#!lua\nreturn 1");
    expect(stripUpstashFlags("#!lua flags=allow-key-locking,no-writes\nreturn 1")).toBe("#!lua flags=no-writes\nreturn 1");
    expect(stripUpstashFlags("return 1")).toBe("return 1");
  });
});

describe.skipIf(!hasRedis)("Upstash REST bridge against real redis-server, through @upstash/redis", () => {
  it("round-trips strings (base64 encoded on the wire), numbers, nulls, arrays and hashes", async () => {
    const r = client();
    expect(await r.set("k:text", "héllo wörld ✓ {\"json\":1}")).toBe("OK");
    expect(await r.get("k:text")).toBe("héllo wörld ✓ {\"json\":1}");
    expect(await r.get("k:missing")).toBeNull();
    expect(await r.incrby("k:n", 5)).toBe(5);
    await r.rpush("k:list", "a", "b", "c");
    expect(await r.lrange("k:list", 0, -1)).toEqual(["a", "b", "c"]);
    await r.hset("k:h", { f1: "v1", f2: "2" });
    expect(await r.hget("k:h", "f1")).toBe("v1");
    expect(await r.set("k:ttl", "x", { ex: 100 })).toBe("OK");
    expect(await r.ttl("k:ttl")).toBeGreaterThan(90);
  });

  it("answers the raw REST shapes: {result}, {error} with 400, 401 for a bad token", async () => {
    const post = (path: string, body: unknown, token = TOKEN) =>
      fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const ok = await post("/", ["SET", "raw:k", 42]);
    expect(await ok.json()).toEqual({ result: "OK" });
    expect(await (await post("/", ["GET", "raw:k"])).json()).toEqual({ result: "42" });
    const bad = await post("/", ["LPUSH", "raw:k", "x"]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^WRONGTYPE/);
    expect((await post("/", ["PING"], "wrong")).status).toBe(401);
    const pipe = await post("/pipeline", [["SET", "raw:p", "1"], ["INCR", "raw:p"], ["LPUSH", "raw:p", "x"]]);
    expect(await pipe.json()).toEqual([{ result: "OK" }, { result: 2 }, { error: expect.stringMatching(/^WRONGTYPE/) }]);
  });

  it("runs pipelines and atomic multi-exec transactions", async () => {
    const r = client();
    const p = r.pipeline();
    p.set("p:a", "1");
    p.incr("p:a");
    p.get("p:a");
    expect(await p.exec()).toEqual(["OK", 2, "2"]);
    const tx = r.multi();
    tx.set("m:a", "x");
    tx.append("m:a", "y");
    tx.get("m:a");
    expect(await tx.exec()).toEqual(["OK", 2, "xy"]);
  });

  it("surfaces command errors and refuses a wrong token", async () => {
    const r = client();
    await r.set("e:str", "x");
    await expect(r.lpush("e:str", "y")).rejects.toThrow(/WRONGTYPE/);
    await expect(client("wrong-token").get("e:str")).rejects.toThrow(/Unauthorized/);
  });

  it("strips allow-key-locking from scripts and keeps EVALSHA/NOSCRIPT behaviour for the client's SHA", async () => {
    const r = client();
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])";
    const sha = createHash("sha1").update(script).digest("hex");
    await expect(r.evalsha(sha, ["s:k"], [])).rejects.toThrow(/NOSCRIPT/);
    expect(await r.eval(script, ["s:k"], [])).toBe(1);
    expect(await r.evalsha(sha, ["s:k"], [])).toBe(2);
    expect(await r.scriptLoad(script)).toBe(sha);
  });

  it("base64-encodes status replies nested in arrays, as the client decodes them", async () => {
    expect(await client().eval("return {redis.status_reply('OK'), 'x', 7}", [], [])).toEqual(["OK", "x", 7]);
  });

  it("refuses commands that would change the shared connection's state, and stays usable", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
    expect((await post("/", ["MULTI"])).status).toBe(400);
    expect((await post("/pipeline", [["SET", "c:k", "1"], ["SELECT", "1"]])).status).toBe(400);
    const bad = await post("/multi-exec", [["SET", "c:k", "2"], ["SCRIPT", "LOAD"]]);
    expect(bad.status).toBe(400);
    expect(await (await post("/", ["SET", "c:k", "3"])).json()).toEqual({ result: "OK" });
    expect(await (await post("/", ["GET", "c:k"])).json()).toEqual({ result: "3" });
  });

  it("serves @upstash/ratelimit's sliding window", async () => {
    const limiter = new Ratelimit({ redis: client(), limiter: Ratelimit.slidingWindow(2, "10 s"), prefix: "rl-test", ephemeralCache: false });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit("id")).success);
    expect(results).toEqual([true, true, false]);
  });
});
