// The Worker suites read bindings from wrangler.toml, but wrangler also loads
// the `.dev.vars` that sits beside the config file it is given: a developer's
// own dev settings (say OTP_TTL_SECONDS=120) would leak into the tests. So the
// tests get a copy of wrangler.toml in a folder of their own, with its
// relative paths made absolute, and no `.dev.vars` next to it. Tests take
// their configuration only from the test setup (vitest.config.ts).
// The [build] section is copied as it is: the test pool never runs it
// (vitest.config.ts builds public/ itself), so its cwd-relative command and
// watch_dir need no rewriting; [assets] directory does, and is rewritten.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** Keys in wrangler.toml whose string values are paths relative to the file. */
const PATH_KEYS = ["main", "migrations_dir", "directory"];

/**
 * Copies `configPath` into `outDir` with every path-valued key made absolute.
 * @param {string} configPath
 * @param {string} outDir
 * @returns {string} the copy's path
 */
export function isolatedWranglerConfig(configPath, outDir) {
  const base = dirname(resolve(configPath));
  const text = readFileSync(configPath, "utf8").replace(
    new RegExp(`^(\\s*(?:${PATH_KEYS.join("|")})\\s*=\\s*)"([^"]+)"`, "gm"),
    (_, key, value) => `${key}${JSON.stringify(isAbsolute(value) ? value : join(base, value))}`,
  );
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const copy = join(outDir, "wrangler.toml");
  writeFileSync(copy, `# Generated for the test suites from ${configPath}; do not edit.\n${text}`);
  return copy;
}
