#!/usr/bin/env node
// `npm run dev`: embedded profile on a fresh machine with no accounts.
// 1. Creates .dev.vars with freshly generated secrets if it is missing.
// 2. Applies the D1 migrations to the local database.
// 3. Starts `wrangler dev`, passing through any arguments after `--`.
import { spawnSync, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { generateDevSecrets } from "./secrets.mjs";

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

const child = spawn(wrangler, ["dev", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { WRANGLER_SEND_METRICS: "false", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
