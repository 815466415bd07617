#!/usr/bin/env node
// `npm run dev`: embedded profile on a fresh machine with no accounts.
// 1. Creates .dev.vars with freshly generated secrets if it is missing.
// 2. Applies the D1 migrations to the local database.
// 3. With --redis (`npm run dev:redis`): starts a private redis-server and the
//    Upstash REST bridge (tools/upstash-bridge) and points the Worker at them,
//    so the production profile's Redis stores run locally.
// 4. Starts `wrangler dev`, passing through any arguments after `--`.
import { spawnSync, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { generateDevSecrets, generateSecret } from "./secrets.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
const wrangler = join(root, "node_modules", ".bin", "wrangler");

if (!existsSync(devVars)) {
  const secrets = generateDevSecrets();
  const lines = [
    "# Created by `npm run dev` with fresh random secrets. Local only: never commit.",
    "ENVIRONMENT=development",
    "SMS_PROVIDER=console",
    ...Object.entries(secrets).map(([k, v]) => `${k}='${v}'`),
    "",
  ];
  writeFileSync(devVars, lines.join("\n"), { mode: 0o600 });
  console.log("[dev] created .dev.vars with fresh secrets (JWT signing key, OTP pepper, phone data key).");
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) {
  console.error("[dev] applying D1 migrations failed");
  process.exit(migrate.status ?? 1);
}

const args = process.argv.slice(2);
const stops = [];
if (args.includes("--redis")) {
  args.splice(args.indexOf("--redis"), 1);
  const { startRedisServer } = await import("../tools/upstash-bridge/redis-server.mjs");
  const { startBridge } = await import("../tools/upstash-bridge/server.mjs");
  const redis = await startRedisServer().catch((err) => {
    console.error(`[dev] ${err.message}: install redis-server (apt-get install redis-server) or run plain \`npm run dev\`.`);
    process.exit(1);
  });
  const token = generateSecret(24);
  const bridge = await startBridge({ redisPort: redis.port, token });
  stops.push(() => bridge.close(), () => redis.stop());
  args.push("--var", `UPSTASH_REDIS_REST_URL:${bridge.url}`, "--var", `UPSTASH_REDIS_REST_TOKEN:${token}`);
  console.log(`[dev] Upstash profile: redis-server on 127.0.0.1:${redis.port}, REST bridge at ${bridge.url}`);
}

const child = spawn(wrangler, ["dev", ...args], {
  cwd: root,
  stdio: "inherit",
  env: { WRANGLER_SEND_METRICS: "false", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", async (code) => {
  for (const stop of stops) await stop().catch(() => {});
  process.exit(code ?? 0);
});
