#!/usr/bin/env node
// `npm run dev`: embedded profile on a fresh machine with no accounts.
// 1. Creates .dev.vars with freshly generated secrets and development CORS
//    origins if it is missing; adds any secret an older one lacks.
// 2. Applies the D1 migrations to the local database `wrangler dev` will
//    open: the same --persist-to folder, --env and --config as given after `--`.
// 3. With --redis (`npm run dev:redis`): starts a private redis-server that
//    keeps its data (append-only file) next to the Worker's local state, and
//    the Upstash REST bridge (tools/upstash-bridge), and points the Worker at
//    them, so the production profile's Redis stores run locally.
// 4. Starts `wrangler dev`, passing through any arguments after `--`.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { generateDevSecrets, generateSecret } from "./secrets.mjs";
import { applyD1Migrations, devCorsOrigins, devVarsText, missingDevSecrets, parseDevArgs, redisDataDir } from "./dev-lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
const wrangler = join(root, "node_modules", ".bin", "wrangler");

let options;
try {
  options = parseDevArgs(process.argv.slice(2));
} catch (err) {
  console.error(`[dev] ${err.message}`);
  process.exit(2);
}

if (!existsSync(devVars)) {
  const corsOrigins = devCorsOrigins({ port: options.port, protocol: options.localProtocol });
  writeFileSync(devVars, devVarsText(generateDevSecrets(), { corsOrigins }), { mode: 0o600 });
  console.log("[dev] created .dev.vars with fresh secrets (JWT signing key, OTP pepper, phone data key).");
  console.log(`[dev] CORS_ORIGINS=${corsOrigins.join(",")} (edit .dev.vars to change)`);
} else {
  const added = missingDevSecrets(readFileSync(devVars, "utf8"), generateDevSecrets());
  if (added) {
    appendFileSync(devVars, added);
    console.log(`[dev] added to .dev.vars the secrets it lacked: ${[...added.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]).join(", ")}`);
  }
}

try {
  await applyD1Migrations({ root, persistTo: options.persistTo, env: options.env, config: options.config });
} catch (err) {
  console.error(`[dev] ${err.message}`);
  process.exit(1);
}

const args = [...options.wranglerArgs];
const stops = [];
if (options.redis) {
  const { startRedisServer } = await import("../tools/upstash-bridge/redis-server.mjs");
  const { startBridge } = await import("../tools/upstash-bridge/server.mjs");
  const dataDir = redisDataDir(root, options.persistTo);
  const redis = await startRedisServer({ dataDir }).catch((err) => {
    console.error(`[dev] ${err.message}: install redis-server (apt-get install redis-server) or run plain \`npm run dev\`.`);
    process.exit(1);
  });
  const token = generateSecret(24);
  const bridge = await startBridge({ redisPort: redis.port, token });
  stops.push(() => bridge.close(), () => redis.stop());
  args.push("--var", `UPSTASH_REDIS_REST_URL:${bridge.url}`, "--var", `UPSTASH_REDIS_REST_TOKEN:${token}`);
  console.log(`[dev] Upstash profile: redis-server on 127.0.0.1:${redis.port} (data kept in ${dataDir}), REST bridge at ${bridge.url}`);
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
