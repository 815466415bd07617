import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isolatedWranglerConfig } from "../support/isolated-wrangler-config.mjs";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("isolated wrangler config for the Worker suites", () => {
  it("copies the config away from the developer's .dev.vars, with paths made absolute", () => {
    const project = mkdtempSync(join(tmpdir(), "edge-auth-cfg-"));
    dirs.push(project);
    writeFileSync(
      join(project, "wrangler.toml"),
      ['main = "src/index.ts"', "[assets]", 'directory = "./public"', "[vars]", 'ENVIRONMENT = "production"', "[[d1_databases]]", 'migrations_dir = "migrations/d1"', "[env.mongo]", 'main = "src/index.mongo.ts"'].join("\n"),
    );
    writeFileSync(join(project, ".dev.vars"), "OTP_TTL_SECONDS=120\n");
    const out = join(project, "out");
    const copy = isolatedWranglerConfig(join(project, "wrangler.toml"), out);
    expect(existsSync(join(out, ".dev.vars"))).toBe(false);
    const text = readFileSync(copy, "utf8");
    expect(text).toContain(`main = ${JSON.stringify(join(project, "src/index.ts"))}`);
    expect(text).toContain(`main = ${JSON.stringify(join(project, "src/index.mongo.ts"))}`);
    expect(text).toContain(`migrations_dir = ${JSON.stringify(join(project, "migrations/d1"))}`);
    expect(text).toContain(`directory = ${JSON.stringify(join(project, "public"))}`);
    expect(text).toContain('ENVIRONMENT = "production"');
    expect(text).not.toContain("OTP_TTL_SECONDS");
  });
});
