// Helpers shared by scripts/dev.mjs (`npm run dev`), tools/wrangler-dev.mjs
// (tests and benchmarks) and their tests. Importing this file has no side
// effects; everything that spawns a process takes its paths as arguments.
import { spawn } from "node:child_process";
import { delimiter, isAbsolute, join } from "node:path";

export const DEFAULT_DEV_PORT = 8787;

/** Local front-end dev servers that commonly call the API (Vite, Next.js/CRA). */
export const FRONT_END_DEV_ORIGINS = ["http://localhost:5173", "http://localhost:3000"];

/**
 * Reads the arguments given to `npm run dev -- …`. Everything except our own
 * `--redis` goes to `wrangler dev` unchanged (`wranglerArgs`); the flags that
 * decide where local state lives and which configuration applies are picked
 * out so the D1 migrations (and the dev Redis data) go to the same place
 * `wrangler dev` will read. Pure: no I/O.
 *
 * Accepted spellings, as wrangler (yargs) accepts them: `--persist-to DIR`,
 * `--persist-to=DIR`, `--env NAME`, `--env=NAME`, `-e NAME`, `-e=NAME`,
 * `--config PATH`/`-c PATH` (and `=` forms), `--port N`/`--port=N`,
 * `--local-protocol http|https`. When a flag is repeated the last one wins.
 *
 * @param {readonly string[]} argv
 * @returns {{ redis: boolean, wranglerArgs: string[], persistTo?: string, env?: string, config?: string, port?: number, localProtocol?: string }}
 */
export function parseDevArgs(argv) {
  const flags = {
    "--persist-to": "persistTo",
    "--env": "env",
    "-e": "env",
    "--config": "config",
    "-c": "config",
    "--port": "port",
    "--local-protocol": "localProtocol",
  };
  /** @type {{ redis: boolean, wranglerArgs: string[], persistTo?: string, env?: string, config?: string, port?: number, localProtocol?: string }} */
  const out = { redis: false, wranglerArgs: [] };
  const found = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--redis") {
      out.redis = true;
      continue;
    }
    out.wranglerArgs.push(arg);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (!key) continue;
    if (eq !== -1) {
      found[key] = arg.slice(eq + 1);
    } else if (i + 1 < argv.length) {
      // wrangler takes the next word as the value, even an empty string.
      out.wranglerArgs.push(argv[i + 1]);
      found[key] = argv[++i];
    }
  }
  if (found.persistTo !== undefined) out.persistTo = found.persistTo;
  if (found.env !== undefined) out.env = found.env;
  if (found.config !== undefined) out.config = found.config;
  if (found.localProtocol !== undefined) out.localProtocol = found.localProtocol;
  if (found.port !== undefined) {
    const port = Number(found.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${found.port}"`);
    out.port = port;
  }
  return out;
}

/**
 * Arguments for `wrangler d1 migrations apply` that target the same local
 * database `wrangler dev` opens with the same flags.
 * @param {{ persistTo?: string, env?: string, config?: string }} options
 */
export function migrationArgs({ persistTo, env, config } = {}) {
  const args = ["d1", "migrations", "apply", "DB", "--local"];
  if (persistTo !== undefined) args.push("--persist-to", persistTo);
  // `--env=` (empty) names the top-level environment explicitly.
  if (env !== undefined) args.push(`--env=${env}`);
  if (config !== undefined) args.push("--config", config);
  return args;
}

/**
 * How to run the project's wrangler on the project's Node 22 (the `node`
 * devDependency), whatever `node` started the caller: wrangler refuses
 * Node 20, which is what a plain `node script.mjs` may be.
 * @param {string} root the project folder
 * @returns {{ command: string, prefix: string[], env: NodeJS.ProcessEnv }}
 */
export function wranglerRunner(root) {
  const bin = join(root, "node_modules", ".bin");
  return {
    command: join(bin, "node"),
    prefix: [join(root, "node_modules", "wrangler", "bin", "wrangler.js")],
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, CI: "true", WRANGLER_SEND_METRICS: "false" },
  };
}

/**
 * Applies the D1 migrations to the local database (non-interactively).
 * Rejects with wrangler's output when it fails.
 * @param {{ root: string, persistTo?: string, env?: string, config?: string, quiet?: boolean }} options
 * @returns {Promise<void>}
 */
export function applyD1Migrations({ root, quiet = false, ...target }) {
  const args = migrationArgs(target);
  const wrangler = wranglerRunner(root);
  return new Promise((resolve, reject) => {
    const child = spawn(wrangler.command, [...wrangler.prefix, ...args], {
      cwd: root,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
      env: wrangler.env,
    });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`applying the D1 migrations failed (wrangler ${args.join(" ")})${quiet ? `:\n${output}` : ""}`));
    });
  });
}

/**
 * Browser origins allowed in development: the dev server's own origin (both
 * spellings of loopback) and the usual local front-end ports.
 * @param {{ port?: number, protocol?: string }} [options]
 */
export function devCorsOrigins({ port = DEFAULT_DEV_PORT, protocol = "http" } = {}) {
  const own = [`${protocol}://localhost:${port}`, `${protocol}://127.0.0.1:${port}`];
  return [...new Set([...own, ...FRONT_END_DEV_ORIGINS])];
}

/**
 * The lines to append to an existing .dev.vars so it holds every secret a
 * fresh one would (a checkout from before a secret existed, e.g. PIN_PEPPER);
 * "" when nothing is missing. Values already there are never replaced.
 * @param {string} text the current .dev.vars
 * @param {Record<string, string>} secrets freshly generated secrets
 */
export function missingDevSecrets(text, secrets) {
  const present = new Set([...text.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=/gm)].map((m) => m[1]));
  const missing = Object.entries(secrets).filter(([k]) => !present.has(k));
  if (missing.length === 0) return "";
  return [`${text.endsWith("\n") || text === "" ? "" : "\n"}# Added by \`npm run dev\`: secrets this checkout needs that .dev.vars lacked.`, ...missing.map(([k, v]) => `${k}='${v}'`), ""].join("\n");
}

/**
 * The text of a new .dev.vars.
 * @param {Record<string, string>} secrets
 * @param {{ corsOrigins: readonly string[] }} options
 */
export function devVarsText(secrets, { corsOrigins }) {
  return [
    "# Created by `npm run dev` with fresh random secrets. Local only: never commit.",
    "# Every other setting, with its default, is listed in .dev.vars.example.",
    "ENVIRONMENT=development",
    "SMS_PROVIDER=console",
    "# Browser origins allowed to call the API (comma-separated, exact origins).",
    `CORS_ORIGINS=${corsOrigins.join(",")}`,
    ...Object.entries(secrets).map(([k, v]) => `${k}='${v}'`),
    "",
  ].join("\n");
}

/**
 * Where `npm run dev:redis` keeps its Redis data (append-only file): next to
 * the Worker's own local state, so both survive a restart and `--persist-to`
 * moves both.
 * @param {string} root
 * @param {string} [persistTo]
 */
export function redisDataDir(root, persistTo) {
  if (persistTo === undefined) return join(root, ".wrangler", "state", "redis");
  return join(isAbsolute(persistTo) ? persistTo : join(root, persistTo), "redis");
}
