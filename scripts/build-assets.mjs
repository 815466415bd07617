#!/usr/bin/env node
// Builds public/, the Worker's static assets (wrangler.toml [assets]), which
// the Worker serves itself (run_worker_first):
//  - public/docs/assets/<swagger-ui-dist version>/: the few files of the
//    locked swagger-ui-dist that GET /docs needs, with its licence files;
//  - public/demo/: the demo app (examples/web), built by Vite, when
//    examples/web/vite.config.ts exists (served in development only).
//
// It runs before `wrangler dev` and `wrangler deploy` ([build] command) and
// before the test suites (vitest.config.ts), and often several times at once
// (parallel test servers): a lock serialises the runs, a stamp of the inputs
// makes a run with nothing new a no-op, and each output folder is built aside
// and swapped in whole, so a running server never sees half a folder.
//
//   node scripts/build-assets.mjs [--force]
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const publicDir = join(root, "public");
const work = join(root, ".wrangler", "build-assets");
const swaggerDir = join(root, "node_modules", "swagger-ui-dist");
const demoConfig = join(root, "examples", "web", "vite.config.ts");

/** What GET /docs loads (src/routes/docs.ts), plus the licence texts the Apache-2.0 licence asks to pass on. */
const SWAGGER_FILES = {
  "swagger-ui.css": "swagger-ui.css",
  "index.css": "index.css",
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "favicon-32x32.png": "favicon-32x32.png",
  "favicon-16x16.png": "favicon-16x16.png",
  LICENSE: "LICENSE.txt",
  NOTICE: "NOTICE.txt",
  "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
};

const log = (message) => console.log(`[build-assets] ${message}`);

/** Every file under `dir` (sorted, skipping node_modules and build output). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !["node_modules", "dist"].includes(e.name))
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** A hash of everything the output depends on: a change to any of it rebuilds. */
function inputsStamp(withDemo) {
  const files = [
    fileURLToPath(import.meta.url),
    join(swaggerDir, "package.json"),
    ...Object.keys(SWAGGER_FILES).map((f) => join(swaggerDir, f)),
    ...(withDemo ? [...filesUnder(join(root, "examples", "web")), ...filesUnder(join(root, "client", "src")), join(root, "package-lock.json")] : []),
  ];
  const hash = createHash("sha256");
  for (const file of files) hash.update(relative(root, file)).update("\0").update(existsSync(file) ? readFileSync(file) : "").update("\0");
  return hash.digest("hex");
}

function swaggerVersion() {
  return JSON.parse(readFileSync(join(swaggerDir, "package.json"), "utf8")).version;
}

/** The outputs a stamp vouches for: if one is gone (public/ deleted), rebuild. */
function outputsPresent(withDemo) {
  const docs = join(publicDir, "docs", "assets", swaggerVersion());
  return Object.values(SWAGGER_FILES).every((f) => existsSync(join(docs, f))) && (!withDemo || existsSync(join(publicDir, "demo", "index.html")));
}

/** Replaces `target` with the folder `built` in two renames (never a half-copied folder). */
function swapIn(built, target) {
  mkdirSync(dirname(target), { recursive: true });
  const old = `${built}.old`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(built, target);
  rmSync(old, { recursive: true, force: true });
}

function buildDocs(scratch) {
  const version = swaggerVersion();
  const out = join(scratch, "docs");
  const assets = join(out, "assets", version);
  mkdirSync(assets, { recursive: true });
  for (const [from, to] of Object.entries(SWAGGER_FILES)) copyFileSync(join(swaggerDir, from), join(assets, to));
  swapIn(out, join(publicDir, "docs"));
  log(`swagger-ui-dist ${version}: ${Object.keys(SWAGGER_FILES).length} files in public/docs/assets/${version}/`);
}

function buildDemo(scratch) {
  const out = join(scratch, "demo");
  // Vite from this checkout, on this Node; NODE_ENV=production whatever the caller (Vitest sets test).
  const env = { ...process.env, NODE_ENV: "production" };
  const run = spawnSync(
    process.execPath,
    [join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--config", demoConfig, "--outDir", out, "--emptyOutDir", "--logLevel", "warn"],
    { cwd: root, env, stdio: "inherit" },
  );
  if (run.status !== 0) throw new Error(`vite build --config ${relative(root, demoConfig)} failed (exit ${run.status ?? run.signal})`);
  swapIn(out, join(publicDir, "demo"));
  log("demo app (examples/web) built into public/demo/");
}

/** Holds a lock folder while `fn` runs; waits for another run's lock, and takes over one whose process is gone. */
async function withLock(fn) {
  const lock = join(work, "lock");
  mkdirSync(work, { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      if (lockAbandoned(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build-assets run still holds ${relative(root, lock)} after 5 minutes`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockAbandoned(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Just created, pid not written yet: abandoned only if that was long ago.
    try {
      return Date.now() - statSync(lock).mtimeMs > 30_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === "ESRCH";
  }
}

const force = process.argv.includes("--force");
const withDemo = existsSync(demoConfig);
await withLock(async () => {
  const stampFile = join(work, "stamp");
  const stamp = inputsStamp(withDemo);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp && outputsPresent(withDemo)) {
    log("public/ is up to date");
    return;
  }
  rmSync(stampFile, { force: true });
  const scratch = join(work, `scratch-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    buildDocs(scratch);
    if (withDemo) buildDemo(scratch);
    else {
      rmSync(join(publicDir, "demo"), { recursive: true, force: true });
      log("no examples/web/vite.config.ts: demo app skipped (/demo answers 404)");
    }
    writeFileSync(stampFile, stamp);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
