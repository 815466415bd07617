#!/usr/bin/env node
// `npm run build:size`: bundles both Worker builds with `wrangler deploy
// --dry-run` (nothing is uploaded) and prints raw and gzip sizes, plus
// whether the MongoDB driver is inside each bundle.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const builds = [
  { name: "default (embedded + Upstash)", env: [], out: "dist/default" },
  { name: "mongo (--env mongo)", env: ["--env", "mongo"], out: "dist/mongo" },
];

for (const build of builds) {
  const outdir = join(root, build.out);
  rmSync(outdir, { recursive: true, force: true });
  const run = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir, ...build.env], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    process.exit(run.status ?? 1);
  }
  const file = readdirSync(outdir).find((f) => f.endsWith(".js"));
  const code = readFileSync(join(outdir, file));
  const hasDriver = code.includes("MongoServerSelectionError");
  console.log(
    `${build.name.padEnd(30)} ${(code.length / 1024).toFixed(0).padStart(6)} KiB raw  ${(gzipSync(code).length / 1024).toFixed(0).padStart(5)} KiB gzip  MongoDB driver: ${hasDriver ? "included" : "absent"}`,
  );
}
