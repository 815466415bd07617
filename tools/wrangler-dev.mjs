// Starts `wrangler dev` on a free loopback port with a fresh local state
// folder (--persist-to) whose D1 migrations are applied first, waits until
// the Worker answers, and returns its URL. startWranglerDev runs this
// project's Worker (Node-side tests and benchmarks); runWranglerDev is the
// part any Worker config can use (the benchmark's better-auth peer).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevSecrets } from "../scripts/secrets.mjs";
import { applyD1Migrations, wranglerRunner } from "../scripts/dev-lib.mjs";
import { freePort } from "./upstash-bridge/redis-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Runs `wrangler dev` (this project's wrangler, on its Node 22) for the given
 * config in a fresh temporary folder, with its D1 migrations applied to that
 * folder's state (a fresh state has no tables: without this a sign-in fails).
 * @param {{
 *   config?: string,                  // a wrangler config; default this project's
 *   env?: string,                     // --env
 *   args?: (dir: string, url: string) => string[],  // more `wrangler dev` args
 *   ready: (url: string) => Promise<boolean>,        // true once the Worker answers as it should
 *   timeoutMs?: number,
 * }} options
 * @returns {Promise<{ url: string, inspectorPort: number, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function runWranglerDev({ config, env, args = () => [], ready, timeoutMs = 90_000 }) {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-wrangler-"));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  const state = join(dir, "state");
  try {
    await applyD1Migrations({ root, persistTo: state, env, config, quiet: true });
  } catch (err) {
    cleanUp();
    throw err;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const wrangler = wranglerRunner(root);
  const inspectorPort = await freePort();
  const devArgs = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--inspector-port", String(inspectorPort)];
  if (config) devArgs.push("--config", config);
  if (env) devArgs.push("--env", env);
  devArgs.push(...args(dir, url));
  let output = "";
  const child = spawn(wrangler.command, [...wrangler.prefix, ...devArgs], { cwd: root, env: wrangler.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d.toString()));
  child.stderr.on("data", (d) => (output += d.toString()));
  // If the caller dies without stop(), do not leave wrangler (and workerd) behind.
  const onExit = () => child.kill("SIGTERM");
  process.once("exit", onExit);
  const running = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready(url).catch(() => false)) break;
    if (Date.now() > deadline || !running()) {
      child.kill("SIGKILL");
      process.off("exit", onExit);
      cleanUp();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    inspectorPort,
    pid: child.pid,
    log: () => output,
    async stop() {
      if (running()) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (running()) child.kill("SIGKILL");
      }
      process.off("exit", onExit);
      cleanUp();
    },
  };
}

/**
 * This project's Worker under `wrangler dev` with fresh secrets, the console
 * SMS provider and the given vars; ready once /healthz answers 200.
 * @param {{ env?: string, vars?: Record<string, string>, timeoutMs?: number }} [options]
 */
export function startWranglerDev({ env, vars = {}, timeoutMs = 90_000 } = {}) {
  const all = { ...generateDevSecrets(), ENVIRONMENT: "development", SMS_PROVIDER: "console", ...vars };
  return runWranglerDev({
    env,
    timeoutMs,
    args: (dir) => {
      const envFile = join(dir, "vars.env");
      writeFileSync(envFile, Object.entries(all).map(([k, v]) => `${k}='${v}'`).join("\n"));
      return ["--env-file", envFile];
    },
    ready: async (url) => (await fetch(`${url}/healthz`)).status === 200,
  });
}
