// Starts `wrangler dev` on a free loopback port with fresh secrets, the given
// vars and a fresh local state folder (--persist-to), applies the D1
// migrations to that same folder first, waits for /healthz, and returns its
// URL. Used by the Node-side tests and by the benchmarks.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevSecrets } from "../scripts/secrets.mjs";
import { applyD1Migrations } from "../scripts/dev-lib.mjs";
import { freePort } from "./upstash-bridge/redis-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @param {{ env?: string, vars?: Record<string, string>, timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startWranglerDev({ env, vars = {}, timeoutMs = 90_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-wrangler-"));
  const envFile = join(dir, "vars.env");
  const all = { ...generateDevSecrets(), ENVIRONMENT: "development", SMS_PROVIDER: "console", ...vars };
  writeFileSync(envFile, Object.entries(all).map(([k, v]) => `${k}='${v}'`).join("\n"));
  const state = join(dir, "state");
  // A fresh folder has no users table: without this, verify-otp answers 503.
  try {
    await applyD1Migrations({ root, persistTo: state, env, quiet: true });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--env-file", envFile, "--persist-to", state, "--inspector-port", String(await freePort())];
  if (env) args.push("--env", env);
  let output = "";
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (output += d.toString()));
  child.stderr.on("data", (d) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
