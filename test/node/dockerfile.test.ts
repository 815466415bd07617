/**
 * The Dockerfile (self-hosting on workerd) and its .dockerignore:
 *  - no lint diagnostics from dockerfile-utils (rcjsuen's Dockerfile
 *    validator, the one behind the VS Code Docker language server);
 *  - two stages, node:22-bookworm-slim AS build then debian:bookworm-slim,
 *    every base image pinned by tag (never `latest`);
 *  - the runtime stage copies the workerd binary, the bundles, the assets,
 *    the workerd config and the migrations from the build stage, and nothing
 *    else (no Node, no node_modules);
 *  - it runs as uid/gid 10001, exposes 8080, declares /data a volume, and
 *    starts workerd in exec form with the `embedded` config by default;
 *  - no ENV or ARG carries a secret, and the build context leaves out
 *    .dev.vars, .env files, node_modules and local state.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerfileParser, type Copy, type Instruction, type JSONInstruction } from "dockerfile-ast";
import { validate, ValidationSeverity } from "dockerfile-utils";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const text = readFileSync(join(root, "Dockerfile"), "utf8");
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const lastFrom = froms.at(-1);
/** The instructions of the final (runtime) stage. */
const runtime = instructions.filter((i) => lastFrom !== undefined && i.getRange().start.line > lastFrom.getRange().start.line);
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const named = (list: Instruction[], keyword: string): Instruction[] => list.filter((i) => i.getKeyword() === keyword);
const jsonForm = (i: Instruction | undefined): string[] | null => {
  const strings = (i as JSONInstruction | undefined)?.getJSONStrings?.() ?? [];
  return strings.length > 0 ? strings.map((s) => s.getJSONValue()) : null;
};

describe("Dockerfile", () => {
  it("has no lint diagnostics (dockerfile-utils, every check at warning or above)", () => {
    const all = ValidationSeverity.WARNING;
    const diagnostics = validate(text, {
      deprecatedMaintainer: all,
      directiveCasing: all,
      emptyContinuationLine: all,
      instructionCasing: all,
      instructionCmdMultiple: all,
      instructionEntrypointMultiple: all,
      instructionHealthcheckMultiple: all,
      instructionJSONInSingleQuotes: all,
      instructionWorkdirRelative: all,
    });
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("is multi-stage: node:22-bookworm-slim AS build, then debian:bookworm-slim", () => {
    expect(froms.map((f) => [f.getImage(), f.getBuildStage()])).toEqual([
      ["node:22-bookworm-slim", "build"],
      ["debian:bookworm-slim", null],
    ]);
  });

  it("pins every base image by tag or digest, never latest", () => {
    for (const from of froms) {
      expect(from.getImageTag() ?? from.getImageDigest(), String(from.getImage())).toBeTruthy();
      expect(from.getImageTag()).not.toBe("latest");
    }
  });

  it("builds with npm ci from the lock file and npm run build:workerd", () => {
    const build = instructions.filter((i) => lastFrom !== undefined && i.getRange().start.line < lastFrom.getRange().start.line);
    const runs = named(build, "RUN").map((i) => i.getArgumentsContent());
    expect(runs).toEqual(expect.arrayContaining(["npm ci --no-audit --no-fund", "npm run build:workerd"]));
    expect(named(build, "COPY").map(args)[0]).toEqual(["package.json", "package-lock.json", "./"]);
  });

  it("the runtime stage copies exactly the workerd binary, bundles, assets, config and migrations from the build stage", () => {
    const copies = named(runtime, "COPY").map((i) => [`--from=${(i as Copy).getFromFlag()?.getValue() ?? ""}`, ...args(i)]);
    expect(copies).toEqual([
      ["--from=build", "/app/node_modules/@cloudflare/workerd-linux-64/bin/workerd", "/usr/local/bin/workerd"],
      ["--from=build", "/app/dist/workerd", "/app/dist/workerd"],
      ["--from=build", "/app/public", "/app/public"],
      ["--from=build", "/app/deploy/workerd", "/app/deploy/workerd"],
      ["--from=build", "/app/migrations", "/app/migrations"],
    ]);
    expect(named(runtime, "ADD")).toEqual([]);
  });

  it("installs ca-certificates and removes the apt lists in the same layer", () => {
    const apt = named(runtime, "RUN").map((i) => i.getArgumentsContent() ?? "").find((r) => r.includes("apt-get install"));
    expect(apt).toMatch(/--no-install-recommends ca-certificates/);
    expect(apt).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
  });

  it("runs as the non-root numeric user 10001:10001, which owns /data, a volume", () => {
    const user = named(runtime, "USER").at(-1);
    expect(user && args(user)).toEqual(["10001:10001"]);
    const setup = named(runtime, "RUN").map((i) => i.getArgumentsContent() ?? "").join("\n");
    expect(setup).toMatch(/groupadd --system --gid 10001 app/);
    expect(setup).toMatch(/useradd --system --uid 10001 --gid 10001 /);
    expect(setup).toMatch(/chown 10001:10001 \/data/);
    expect(named(runtime, "VOLUME").map((i) => jsonForm(i) ?? args(i))).toEqual([["/data"]]);
  });

  it("exposes 8080 and starts workerd in exec form with the embedded config by default", () => {
    expect(named(runtime, "EXPOSE").map(args)).toEqual([["8080"]]);
    const entrypoints = named(runtime, "ENTRYPOINT");
    expect(entrypoints).toHaveLength(1);
    expect(jsonForm(entrypoints[0])).toEqual(["/usr/local/bin/workerd", "serve", "--experimental", "/app/deploy/workerd/config.capnp"]);
    expect(jsonForm(named(runtime, "CMD")[0])).toEqual(["embedded"]);
  });

  it("sets no secret through ENV or ARG, and has no HEALTHCHECK (no HTTP client in the image)", () => {
    const secretName = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|PEPPER|JWK|MONGODB_URI|CREDENTIAL/i;
    const names = [...named(instructions, "ENV"), ...named(instructions, "ARG")].flatMap((i) => args(i).map((a) => a.split("=")[0] ?? ""));
    expect(names.filter((n) => secretName.test(n))).toEqual([]);
    expect(named(instructions, "HEALTHCHECK")).toEqual([]);
  });
});

describe(".dockerignore", () => {
  const patterns = readFileSync(join(root, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("leaves local secrets, state and installed modules out of the build context", () => {
    expect(patterns).toEqual(expect.arrayContaining([".dev.vars", ".env", ".env.*", ".wrangler", "**/node_modules", ".git"]));
    expect(patterns.filter((p) => p.startsWith("!"))).toEqual([]);
  });

  it("keeps what the build needs", () => {
    const needed = ["package.json", "package-lock.json", "wrangler.toml", "tsconfig.json", "src", "scripts", "migrations", "deploy/workerd", "examples/web", "client"];
    for (const path of needed) {
      const excluded = patterns.filter((p) => p === path || path.startsWith(`${p.replace(/\/$/, "")}/`) || p === "*" || p === "**");
      expect(excluded, path).toEqual([]);
    }
  });
});
