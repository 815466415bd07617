// Starts a private redis-server on a free loopback port (never the shared
// 6379). By default it keeps nothing on disk (tests, benchmarks); with
// `dataDir` (`npm run dev:redis`) it keeps an append-only file there, so the
// data survives a restart. Test and dev tooling only.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRespClient } from "./resp.mjs";

/** Path of redis-server, or null when it is not installed. */
export function findRedisServer() {
  const found = spawnSync("/bin/sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = (found.stdout ?? "").trim();
  return !found.error && found.status === 0 && path ? path : null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ dataDir?: string }} [options] dataDir: keep the data in an
 *   append-only file in this folder (created if missing, never removed).
 */
export async function startRedisServer({ dataDir } = {}) {
  const bin = findRedisServer();
  if (!bin) throw new Error("redis-server is not installed");
  const port = await freePort();
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "edge-auth-redis-"));
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const persistence = dataDir ? ["--appendonly", "yes", "--appendfsync", "everysec"] : ["--appendonly", "no"];
  const child = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--dir", dir, "--protected-mode", "yes"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const client = await createRespClient({ port });
      await client.send(["PING"]);
      client.close();
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`redis-server did not start on port ${port}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
