/**
 * The `--env mongo` Worker build, run by `wrangler dev` in real workerd: the
 * MongoDB driver loads inside the Worker/Durable Object, the profile is
 * announced, and an unreachable cluster gives 503 service_unavailable within
 * the configured deadline instead of a hang. (No MongoDB server exists on
 * these machines, so success paths are covered by test/node/mongo-user-store
 * when MONGODB_URI is set.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDevSecrets } from "../../scripts/secrets.mjs";
import { freePort } from "../../tools/upstash-bridge/redis-server.mjs";

interface DevServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function startWorker(vars: Record<string, string>): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-mongo-build-"));
  const envFile = join(dir, "vars.env");
  const all = { ...generateDevSecrets(), ENVIRONMENT: "development", SMS_PROVIDER: "console", ...vars };
  writeFileSync(envFile, Object.entries(all).map(([k, v]) => `${k}='${v}'`).join("\n"));
  const port = await freePort();
  let output = "";
  const child: ChildProcess = spawn(
    "node_modules/.bin/wrangler",
    ["dev", "--env", "mongo", "--ip", "127.0.0.1", "--port", String(port), "--env-file", envFile, "--persist-to", join(dir, "state"), "--inspector-port", String(await freePort())],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`wrangler dev --env mongo did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let hole: Server;
const sockets: Socket[] = [];
let holePort = 0;
const servers: DevServer[] = [];

beforeAll(async () => {
  // Accepts MongoDB connections and never answers a byte.
  hole = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => hole.listen(0, "127.0.0.1", r));
  holePort = (hole.address() as { port: number }).port;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const s of sockets) s.destroy();
  await new Promise((r) => hole.close(r));
});

describe("the --env mongo build under wrangler dev (real workerd)", () => {
  it.each([
    ["gateway", "silent server"],
    ["per-request", "refused connection"],
  ])("MONGODB_CONNECTION=%s: an unreachable cluster (%s) is 503 service_unavailable within the deadline", async (mode, target) => {
    const uri = target === "silent server" ? `mongodb://127.0.0.1:${holePort}/x?directConnection=true` : "mongodb://127.0.0.1:9/x";
    const server = await startWorker({ MONGODB_URI: uri, MONGODB_CONNECTION: mode, MONGODB_TIMEOUT_MS: "1000" });
    servers.push(server);
    const started = Date.now();
    const res = await fetch(`${server.url}/readyz`);
    const elapsed = Date.now() - started;
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status).toBe(503);
    expect(body.error.code).toBe("service_unavailable");
    expect(elapsed).toBeLessThan(15_000);
    // Codes keep working: they do not depend on the user store.
    const sent = await fetch(`${server.url}/auth/request-otp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: "+919876543210" }),
    });
    expect(sent.status).toBe(200);
    expect(server.log()).toContain(`"users":"mongodb (${mode})"`);
    expect(server.log()).not.toMatch(/Maximum call stack|RangeError/);
  }, 120_000);
});
