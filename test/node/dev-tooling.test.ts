/**
 * `npm run dev` (scripts/dev.mjs) for real, in a copy of the project (so the
 * shared checkout's .dev.vars and .wrangler/ are never touched), with a short
 * `wrangler dev` on free loopback ports:
 *  - `--persist-to=DIR` gets the D1 migrations: the users table exists in
 *    DIR, and the README walk-through signs in (verify-otp 200);
 *  - the .dev.vars it creates allows the dev CORS origins for `--port`;
 *  - the README walk-through stops with a clear message when a step fails
 *    (a rerun inside the resend cooldown);
 *  - `npm run dev:redis` keeps its Redis data across a restart.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../tools/upstash-bridge/redis-server.mjs";
import { createRespClient } from "../../tools/upstash-bridge/resp.mjs";
import { redisServerOrSkip } from "../support/redis-guard";
import { pinProblem } from "../../src/domain/pin-policy";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "edge-auth-dev-tooling-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of what `npm run dev` needs, sharing node_modules. */
function copyProject(): string {
  const app = join(work, `app-${readdirSync(work).length}`);
  for (const entry of ["package.json", "wrangler.toml", "tsconfig.json", "src", "migrations", "scripts", "tools"]) {
    cpSync(join(root, entry), join(app, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(app, "node_modules"), "dir");
  return app;
}

interface Dev {
  url: string;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Runs `node scripts/dev.mjs ARGS` in `app` on a free port and waits for /healthz. */
async function startDev(app: string, args: string[]): Promise<Dev> {
  const port = await freePort();
  const inspector = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(app, "scripts", "dev.mjs"), "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), ...args],
    { cwd: app, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM"); // dev.mjs stops wrangler, then the bridge and redis-server
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    try {
      process.kill(-child.pid!, "SIGKILL"); // anything left in its process group
    } catch {
      // all gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`npm run dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, output: () => output, stop };
}

function runWalkthrough(env: Record<string, string>, script = "walkthrough.sh"): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("sh", [join(root, "scripts", script)], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const randomPhone = () => `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;

/** The tables of the local D1 database(s) wrangler keeps under `persistTo`. */
async function d1Tables(persistTo: string): Promise<string[]> {
  const { DatabaseSync } = await import("node:sqlite");
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  if (!existsSync(dir)) return [];
  const tables: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")) {
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    tables.push(...rows.map((r) => r.name));
    db.close();
  }
  return tables;
}

describe("npm run dev -- --persist-to=DIR --port N (a copy of the project)", () => {
  let app: string;
  let dev: Dev;
  beforeAll(async () => {
    app = copyProject();
    // A relative folder: wrangler resolves it from the project, and so must the migrations.
    dev = await startDev(app, ["--persist-to=my-state", "--var", "OTP_RESEND_COOLDOWN_SECONDS:30"]);
  }, 120_000);
  afterAll(async () => {
    await dev?.stop();
  }, 30_000);

  it("applies the D1 migrations to DIR: the users table is there, and not in the default folder", async () => {
    expect(await d1Tables(join(app, "my-state"))).toContain("users");
    expect(await d1Tables(join(app, ".wrangler", "state"))).not.toContain("users");
  });

  it("the README walk-through signs in, checks the session and signs out", async () => {
    const run = await runWalkthrough({ API: dev.url, PHONE: randomPhone() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"status":"sent"/);
    expect(run.stdout).toMatch(/"valid":true/);
    expect(run.stdout).toMatch(/session_revoked/);
    expect(run.stdout).toMatch(/walk-through complete\s*$/);
  });

  it("the walk-through stops with a clear message when a step fails (a rerun inside the resend cooldown)", async () => {
    const phone = randomPhone();
    expect((await runWalkthrough({ API: dev.url, PHONE: phone })).code).toBe(0);
    const rerun = await runWalkthrough({ API: dev.url, PHONE: phone });
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toMatch(/^1\. request-otp: expected HTTP 200, got 429: .*"code":"rate_limited"/);
    expect(rerun.stdout).not.toMatch(/complete/);
  });

  it("the README biometric walk-through enrols a device key (openssl), unlocks (old token refused) and signs in with it", async () => {
    const run = await runWalkthrough({ API: dev.url, PHONE: randomPhone() }, "biometric-walkthrough.sh");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"biometricEnabled":true,"credentialId":"device:device-[0-9a-f]{16}"/);
    expect(run.stdout).toMatch(/session_revoked/);
    expect(run.stdout).toMatch(/"type":"device_key"/);
    expect(run.stdout).toMatch(/biometric walk-through complete\s*$/);
  });

  it("the README PIN walk-through sets a PIN, unlocks with it (old token refused), lists, renews and revokes the session", async () => {
    let phone = randomPhone();
    // The walk-through's PIN must not repeat 4 digits of the number (those PINs are refused as too weak).
    while (pinProblem("482916", { minLength: 6, phoneDigits: phone.slice(1) }) !== null) phone = randomPhone();
    const run = await runWalkthrough({ API: dev.url, PHONE: phone }, "pin-walkthrough.sh");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"code":"pin_too_weak".*"reason":"sequence"/);
    expect(run.stdout).toMatch(/"stepUp":\{"required":false,"methods":\["pin"\]\}/);
    expect(run.stdout).toMatch(/"code":"pin_invalid".*"attemptsRemaining":4/);
    expect(run.stdout).toMatch(/"amr":\["pin"\]/);
    expect(run.stdout).toMatch(/PIN walk-through complete\s*$/);
  });

  it("the walk-through says when nothing answers", async () => {
    const run = await runWalkthrough({ API: `http://127.0.0.1:${await freePort()}`, PHONE: randomPhone() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^1\. request-otp: no answer from http:\/\/127\.0\.0\.1:\d+ \(is npm run dev running\?\)/);
  });

  it("writes a new .dev.vars whose CORS origins follow --port, and the Worker allows them", async () => {
    const vars = readFileSync(join(app, ".dev.vars"), "utf8");
    const origins = /^CORS_ORIGINS=(.*)$/m.exec(vars)?.[1]?.split(",");
    expect(origins).toEqual([`http://localhost:${dev.port}`, `http://127.0.0.1:${dev.port}`, "http://localhost:5173", "http://localhost:3000"]);
    for (const origin of ["http://localhost:5173", `http://127.0.0.1:${dev.port}`]) {
      const preflight = await fetch(`${dev.url}/auth/request-otp`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    }
    const other = await fetch(`${dev.url}/healthz`, { headers: { origin: "http://localhost:4000" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("README: the walk-through blocks are the scripts", () => {
  it.each([
    ["## Sign-in walk-through", "walkthrough.sh"],
    ["## Biometric walk-through", "biometric-walkthrough.sh"],
    ["## PIN and sessions walk-through", "pin-walkthrough.sh"],
  ])("%s is scripts/%s word for word", (heading, file) => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf(heading));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    const script = readFileSync(join(root, "scripts", file), "utf8");
    expect(block).toBe(script.slice(script.indexOf("\n(\n") + 1));
  });
});

describe.runIf(redisServerOrSkip())("npm run dev:redis keeps its Redis data across a restart", () => {
  it("a session written through the bridge is still in redis after dev:redis stops", async () => {
    const app = copyProject();
    const dev = await startDev(app, ["--redis", "--persist-to", "redis-state"]);
    let before: string[];
    try {
      const phone = randomPhone();
      const post = (path: string, body: unknown) =>
        fetch(`${dev.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect((await post("/auth/request-otp", { phone })).status).toBe(200);
      const outbox = (await (await fetch(`${dev.url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json()) as { messages: { body: string }[] };
      const code = /\b(\d{6})\b/.exec(outbox.messages[0]!.body)![1];
      const verified = await post("/auth/verify-otp", { phone, otp: code });
      expect(verified.status).toBe(200);
      const redisPort = Number(/redis-server on 127\.0\.0\.1:(\d+)/.exec(dev.output())![1]);
      const client = await createRespClient({ port: redisPort });
      before = ((await client.send(["KEYS", "session:*"])) as Buffer[]).map(String);
      client.close();
      expect(before.length).toBe(1);
    } finally {
      await dev.stop();
    }
    // Start a redis-server on the same data folder, as the next `npm run dev:redis` would.
    const { startRedisServer } = await import("../../tools/upstash-bridge/redis-server.mjs");
    const redis = await startRedisServer({ dataDir: join(app, "redis-state", "redis") });
    try {
      const client = await createRespClient({ port: redis.port });
      const after = ((await client.send(["KEYS", "session:*"])) as Buffer[]).map(String);
      client.close();
      expect(after).toEqual(before);
    } finally {
      await redis.stop();
    }
  }, 120_000);
});
