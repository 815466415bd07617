#!/usr/bin/env node
// `npm run build:size`: bundles both Worker builds with `wrangler deploy
// --dry-run` (nothing is uploaded) and prints raw and gzip sizes, plus
// whether the MongoDB driver is inside each bundle. Each build names its
// environment explicitly (`--env=` is the top-level one), as `npm run deploy`
// does. Any wrangler or bundler warning fails the run.
//
//   npm run build:size [-- --outdir DIR]   (default: dist/)
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const i = process.argv.indexOf("--outdir");
const outRoot = i === -1 ? join(root, "dist") : resolve(process.argv[i + 1]);
const builds = [
  { name: "default (embedded + Upstash)", env: ["--env="], out: "default" },
  { name: "mongo (--env mongo)", env: ["--env=mongo"], out: "mongo" },
];

function dryRun(build) {
  const outdir = join(outRoot, build.out);
  rmSync(outdir, { recursive: true, force: true });
  return new Promise((done) => {
    const child = spawn(wrangler, ["deploy", "--dry-run", "--outdir", outdir, ...build.env], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (status) => done({ build, outdir, status, output }));
  });
}

// Both builds at once: the bundler is mostly waiting on itself.
const runs = await Promise.all(builds.map(dryRun));
let failed = false;
for (const { build, outdir, status, output } of runs) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, ""); // eslint-disable-line no-control-regex
  if (status !== 0 || plain.includes("▲ [WARNING]")) {
    console.error(`${build.name}: wrangler deploy --dry-run ${status !== 0 ? `failed (exit ${status})` : "printed a warning"}:\n${plain}`);
    failed = true;
    continue;
  }
  const file = readdirSync(outdir).find((f) => f.endsWith(".js"));
  const code = readFileSync(join(outdir, file));
  const hasDriver = code.includes("MongoServerSelectionError");
  console.log(
    `${build.name.padEnd(30)} ${(code.length / 1024).toFixed(0).padStart(6)} KiB raw  ${(gzipSync(code).length / 1024).toFixed(0).padStart(5)} KiB gzip  MongoDB driver: ${hasDriver ? "included" : "absent"}`,
  );
}
if (failed) process.exit(1);
