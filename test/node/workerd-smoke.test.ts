/**
 * The container's contents without a Docker engine (issue 14): the same
 * workerd binary the Dockerfile copies, the same deploy/workerd/config.capnp,
 * the same dist/workerd/ bundles (`npm run build:workerd`, the Dockerfile's
 * build step), on loopback. The production profile signs in end to end
 * against a real redis-server behind the Upstash REST bridge, with the Redis
 * attempt counter; the embedded profile signs in and keeps its users across
 * a restart on its data directory.
 */
import { spawn, type ChildProcess, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDevSecrets } from "../../scripts/secrets.mjs";
import { startBridge } from "../../tools/upstash-bridge/server.mjs";
import { freePort, startRedisServer } from "../../tools/upstash-bridge/redis-server.mjs";
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN, TWILIO_TEST_FROM } from "../support/constants";
import { startFakeTwilio, type FakeTwilio } from "../support/fake-twilio";
import { redisServerOrSkip } from "../support/redis-guard";

const root = join(import.meta.dirname, "..", "..");
/** The binary the Dockerfile copies into the image. */
const WORKERD = join(root, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd");
const CONFIG = join(root, "deploy", "workerd", "config.capnp");
const hasRedis = redisServerOrSkip();

interface Running {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** `workerd serve --experimental deploy/workerd/config.capnp <name>` on a free loopback port, as the image's entrypoint runs it. */
async function serve(name: string, env: Record<string, string>, dataDir: string | null): Promise<Running> {
  const port = await freePort();
  // productionMongo has no data directory (everything is in Redis and MongoDB).
  const data = dataDir === null ? [] : ["--directory-path", `data=${dataDir}`];
  let output = "";
  const child: ChildProcess = spawn(WORKERD, ["serve", "--experimental", CONFIG, name, "--socket-addr", `http=127.0.0.1:${port}`, ...data, "--directory-path", `assets=${join(root, "public")}`], {
    // Only what the config reads: settings come from the environment (fromEnvironment).
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${output}`);
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`workerd did not answer /healthz within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, output: () => output, stop };
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

let twilio: FakeTwilio;
const stops: (() => Promise<void>)[] = [];
const dirs: string[] = [];
let phoneCounter = Math.floor(Math.random() * 1_000_000);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "workerd-smoke-"));
  dirs.push(dir);
  return dir;
}

/** A request code → the code from the fake Twilio → a wrong guess, the right one → a session and its check; then its logout unless `keep`. */
async function signIn(app: Running, keep = false, afterWrongGuess: (phone: string) => Promise<void> = async () => undefined): Promise<{ phone: string; isNewUser: boolean; token: string }> {
  const phone = `+9198${String(++phoneCounter).padStart(8, "0")}`;
  const headers = { "content-type": "application/json", "x-forwarded-for": "203.0.113.7" };
  const requested = await fetch(`${app.url}/auth/request-otp`, { method: "POST", headers, body: JSON.stringify({ phone }) });
  expect(requested.status, app.output()).toBe(200);
  const messages = (await json(await fetch(`${twilio.url}/__messages?to=${encodeURIComponent(phone)}`))).messages as { Body: string }[];
  const code = /\d{6}/.exec(messages.at(-1)!.Body)![0];
  const wrong = code === "000000" ? "111111" : "000000";
  const refused = await fetch(`${app.url}/auth/verify-otp`, { method: "POST", headers, body: JSON.stringify({ phone, otp: wrong }) });
  expect(refused.status).toBe(400);
  expect(((await json(refused)).error as { code: string }).code).toBe("otp_invalid");
  await afterWrongGuess(phone);
  const verified = await fetch(`${app.url}/auth/verify-otp`, { method: "POST", headers, body: JSON.stringify({ phone, otp: code }) });
  expect(verified.status, app.output()).toBe(200);
  const session = (await json(verified)) as { token: string; user: { isNewUser: boolean } };
  const auth = { authorization: `Bearer ${session.token}` };
  expect((await fetch(`${app.url}/auth/check-session`, { headers: auth })).status).toBe(200);
  if (!keep) {
    expect((await fetch(`${app.url}/auth/logout`, { method: "POST", headers: auth })).status).toBe(204);
    expect((await fetch(`${app.url}/auth/check-session`, { headers: auth })).status).toBe(401);
  }
  return { phone, isNewUser: session.user.isNewUser, token: session.token };
}

const base = (): Record<string, string> => ({
  ...generateDevSecrets(),
  ENVIRONMENT: "test",
  SMS_PROVIDER: "twilio",
  TWILIO_ACCOUNT_SID: TWILIO_TEST_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: TWILIO_TEST_AUTH_TOKEN,
  TWILIO_FROM: TWILIO_TEST_FROM,
  TWILIO_API_BASE: twilio.url,
  CLIENT_IP_SOURCE: "x-forwarded-for",
});

beforeAll(async () => {
  // The image's build step, so this test runs what the image would hold.
  execFileSync(process.execPath, [join(root, "scripts", "build-workerd.mjs")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  twilio = await startFakeTwilio({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
  stops.push(() => twilio.close());
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("self-hosted workerd (deploy/workerd/config.capnp)", () => {
  it("runs the binary the Dockerfile copies, and the committed config is the generated one", () => {
    expect(existsSync(WORKERD)).toBe(true);
    execFileSync(process.execPath, [join(root, "scripts", "workerd-config.mjs"), "--check"], { cwd: root, stdio: "pipe" });
  });

  describe.skipIf(!hasRedis)("production profile: Redis behind the Upstash REST bridge, ATTEMPT_COUNTER_STORE=redis", () => {
    let redis: { port: number; stop: () => Promise<void> };
    let upstash: { url: string; close: () => Promise<void> };
    const token = "smoke-bridge-token";

    beforeAll(async () => {
      redis = await startRedisServer();
      upstash = await startBridge({ redisPort: redis.port, token });
      stops.push(async () => {
        await upstash.close();
        await redis.stop();
      });
    });

    // ATTEMPT_COUNTER_STORE is not set: the production configs fix it to redis.
    const production = (): Record<string, string> => ({ ...base(), UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: token });

    it("answers /healthz and /readyz, signs in end to end, and keeps codes, sessions and attempts in Redis", async () => {
      const app = await serve("production", production(), tempDir());
      try {
        expect(await json(await fetch(`${app.url}/healthz`))).toEqual({ status: "ok" });
        const ready = await fetch(`${app.url}/readyz`);
        expect(ready.status, app.output()).toBe(200);
        expect(await json(ready)).toMatchObject({ status: "ready", openErasures: 0 });
        const redisKeys = async (): Promise<string[]> => (await json(await fetch(upstash.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(["KEYS", "*"]) }))).result as string[];
        let phone = "";
        const { isNewUser, token: bearer } = await signIn(app, true, async (p) => {
          phone = p;
          // The wrong guess was counted in Redis (ATTEMPT_COUNTER_STORE is pinned to redis), not in a Durable Object.
          const attempts = (await redisKeys()).filter((k) => k.startsWith("attempts:{"));
          expect(attempts).toHaveLength(1);
          expect(await (await fetch(upstash.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(["HGET", attempts[0], "count"]) })).json()).toEqual({ result: "1" });
        });
        expect(isNewUser).toBe(true);
        // The attempt counter and the session lived in Redis: its keys are there.
        const keys = await redisKeys();
        expect(keys.some((k) => k.startsWith("otp:{"))).toBe(true);
        expect(keys.some((k) => k.startsWith("session:"))).toBe(true);
        const auth = { authorization: `Bearer ${bearer}` };
        expect((await fetch(`${app.url}/auth/logout`, { method: "POST", headers: auth })).status).toBe(204);
        expect((await fetch(`${app.url}/auth/check-session`, { headers: auth })).status).toBe(401);
        // The right code cleared the count; the profile line says where attempts go.
        expect(keys.filter((k) => k.startsWith("attempts:{"))).toEqual([]);
        expect(app.output()).toMatch(/"attemptCounter":"upstash-redis \(Lua\)"/);
        // Without Analytics Engine, metrics are log lines; no line holds a phone number.
        expect(app.output()).toContain('"type":"metric"');
        for (const form of [phone, phone.slice(1), phone.slice(-10)]) expect(app.output()).not.toContain(form);
      } finally {
        await app.stop();
      }
    });

    it("the production configs refuse to run on in-process storage: no Redis, or productionMongo without MONGODB_URI, is 503 service_misconfigured", async () => {
      const refused: [string, Record<string, string>, RegExp][] = [
        ["production", base(), /UPSTASH_REDIS_REST_URL: is required by the self-hosted production config/],
        // Off Cloudflare a client could set CF-Connecting-IP itself: the source must be chosen.
        ["embedded", { ...base(), CLIENT_IP_SOURCE: "" }, /CLIENT_IP_SOURCE: must be set on self-hosted workerd/],
        ["productionMongo", production(), /MONGODB_URI: is required by the self-hosted productionMongo config/],
      ];
      for (const [name, env, logged] of refused) {
        const app = await serve(name, env, name === "productionMongo" ? null : tempDir());
        try {
          const ready = await fetch(`${app.url}/readyz`);
          expect(ready.status).toBe(503);
          expect(((await json(ready)).error as { code: string }).code).toBe("service_misconfigured");
          expect(app.output()).toMatch(logged);
          // Liveness stays up: an orchestrator must not restart a pod for its settings.
          expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
        } finally {
          await app.stop();
        }
      }
      // The environment cannot move the counter back into the process: the config's value wins.
      const pinned = await serve("production", { ...production(), ATTEMPT_COUNTER_STORE: "durable-object" }, tempDir());
      try {
        expect((await fetch(`${pinned.url}/readyz`)).status, pinned.output()).toBe(200);
        expect(pinned.output()).toMatch(/"attemptCounter":"upstash-redis \(Lua\)"/);
      } finally {
        await pinned.stop();
      }
    });

    it("is not ready when Redis does not answer", async () => {
      const port = await freePort();
      const app = await serve("production", { ...production(), UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`, STORAGE_TIMEOUT_MS: "1000" }, tempDir());
      try {
        expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
      } finally {
        await app.stop();
      }
    });
  });

  it("embedded profile: signs in, and its users and sessions survive a restart on the data directory", async () => {
    const data = tempDir();
    const settings = base();
    let app = await serve("embedded", settings, data);
    let first: { token: string; isNewUser: boolean };
    try {
      expect((await fetch(`${app.url}/readyz`)).status, app.output()).toBe(200);
      first = await signIn(app, true);
      expect(first.isNewUser).toBe(true);
    } finally {
      await app.stop();
    }
    // Same keys, same data directory: the session (a Durable Object) and its user (SQLite) are still there.
    app = await serve("embedded", settings, data);
    try {
      expect((await fetch(`${app.url}/readyz`)).status, app.output()).toBe(200);
      const check = await fetch(`${app.url}/auth/check-session`, { headers: { authorization: `Bearer ${first.token}` } });
      expect(check.status, app.output()).toBe(200);
    } finally {
      await app.stop();
    }
    // A fresh directory has neither.
    app = await serve("embedded", settings, tempDir());
    try {
      expect((await fetch(`${app.url}/auth/check-session`, { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});
