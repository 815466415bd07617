/**
 * `npm run deploy` and `npm run build:size` bundle without a single wrangler
 * or bundler warning (`wrangler deploy --dry-run`: nothing is uploaded).
 * wrangler warns when wrangler.toml defines several environments and the
 * command names none, so the deploy script names the top-level one.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const out = mkdtempSync(join(tmpdir(), "edge-auth-dry-run-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, output: `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, "") }), // eslint-disable-line no-control-regex
    );
  });
}

const warnings = (output: string) => output.split("\n").filter((l) => l.includes("▲ [WARNING]"));

describe("deploy dry runs print no warnings", () => {
  it("npm run deploy (its wrangler command, with --dry-run) and npm run build:size (both builds)", async () => {
    const deploy = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.deploy!;
    const [command, ...args] = deploy.split(/\s+/);
    expect(command).toBe("wrangler");
    const [deployRun, sizeRun] = await Promise.all([
      run(join(root, "node_modules", ".bin", "wrangler"), [...args, "--dry-run", "--outdir", join(out, "deploy")]),
      run(process.execPath, [join(root, "scripts", "bundle-size.mjs"), "--outdir", join(out, "size")]),
    ]);
    expect(warnings(deployRun.output)).toEqual([]);
    expect(deployRun.code, deployRun.output).toBe(0);
    expect(deployRun.output).toMatch(/--dry-run: exiting now/);
    expect(warnings(sizeRun.output)).toEqual([]);
    expect(sizeRun.code, sizeRun.output).toBe(0);
    expect(sizeRun.output).toMatch(/default \(embedded \+ Upstash\).*MongoDB driver: absent/);
    expect(sizeRun.output).toMatch(/mongo \(--env mongo\).*MongoDB driver: included/);
  }, 120_000);
});
