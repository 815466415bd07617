#!/usr/bin/env node
// `npm run build:workerd`: everything deploy/workerd/config.capnp embeds,
// under dist/workerd/ (the Dockerfile's build stage runs it):
//   default/index.js, mongo/index.js  the Worker, bundled by wrangler exactly as
//                                     `wrangler deploy` would upload it (--dry-run --outdir)
//   d1-binding.js, d1-worker.js       D1 over a SQLite Durable Object (deploy/workerd/d1),
//                                     with migrations/d1/*.sql bundled in
// and public/ (static assets), which wrangler's [build] command writes.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "workerd");
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");

/** migrations/d1/*.sql in name order, as `wrangler d1 migrations apply` takes them. */
function d1Migrations() {
  const dir = join(root, "migrations", "d1");
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

// The empty list in deploy/workerd/d1/migrations.ts is replaced by the real files.
const migrationsPlugin = {
  name: "d1-migrations",
  setup(b) {
    b.onResolve({ filter: /^\.\/migrations$/ }, () => ({ path: "migrations", namespace: "d1-migrations" }));
    b.onLoad({ filter: /.*/, namespace: "d1-migrations" }, () => ({ contents: `export const MIGRATIONS = ${JSON.stringify(d1Migrations())};`, loader: "js" }));
  },
};

/** The two D1 modules alone (the Worker tests load them too: test/worker/d1-on-sqlite.test.ts). */
export async function buildD1Shim() {
  const common = { bundle: true, format: "esm", platform: "neutral", target: "es2023", logLevel: "warning", external: ["cloudflare:workers"] };
  await build({ ...common, entryPoints: [join(root, "deploy", "workerd", "d1", "binding.ts")], outfile: join(out, "d1-binding.js") });
  await build({ ...common, entryPoints: [join(root, "deploy", "workerd", "d1", "worker.ts")], outfile: join(out, "d1-worker.js"), plugins: [migrationsPlugin] });
}

async function main() {
  rmSync(out, { recursive: true, force: true });
  for (const [name, args] of [["default", []], ["mongo", ["--env", "mongo"]]]) {
    execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", join(out, name), ...args], { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
    // One name for both builds (the mongo build's entry is index.mongo.js); no source maps in the image.
    for (const file of readdirSync(join(out, name))) {
      if (file.endsWith(".map") || file === "README.md") rmSync(join(out, name, file));
      else if (file.endsWith(".js") && file !== "index.js") renameSync(join(out, name, file), join(out, name, "index.js"));
    }
  }
  await buildD1Shim();
  console.log(`[build-workerd] wrote ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
