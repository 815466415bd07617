/**
 * `npm run dev -- …` argument handling (scripts/dev-lib.mjs): the flags that
 * decide where `wrangler dev` keeps its local state and which configuration
 * applies are forwarded to `wrangler d1 migrations apply`, so the migrations
 * land in the database the dev server opens. Pure functions, no processes.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  devCorsOrigins,
  devVarsText,
  migrationArgs,
  missingDevSecrets,
  parseDevArgs,
  redisDataDir,
} from "../../scripts/dev-lib.mjs";

const base = ["d1", "migrations", "apply", "DB", "--local"];

describe("parseDevArgs", () => {
  it("with no arguments targets wrangler's defaults", () => {
    expect(parseDevArgs([])).toEqual({ redis: false, wranglerArgs: [] });
    expect(migrationArgs(parseDevArgs([]))).toEqual(base);
  });

  it.each([
    [["--persist-to", "state/x"], "state/x"],
    [["--persist-to=state/x"], "state/x"],
    [["--port", "9000", "--persist-to", "/tmp/a b"], "/tmp/a b"],
    [["--persist-to", "first", "--persist-to=second"], "second"],
  ])("reads the persist folder from %j", (argv, dir) => {
    const parsed = parseDevArgs(argv);
    expect(parsed.persistTo).toBe(dir);
    expect(migrationArgs(parsed)).toEqual([...base, "--persist-to", dir]);
    // wrangler dev still gets every argument, unchanged.
    expect(parsed.wranglerArgs).toEqual(argv);
  });

  it.each([
    [["--env", "mongo"], "mongo"],
    [["--env=mongo"], "mongo"],
    [["-e", "mongo"], "mongo"],
    [["-e=mongo"], "mongo"],
    [["--env="], ""],
    [["--env", ""], ""],
  ])("reads the environment from %j and names it to the migrations", (argv, env) => {
    const parsed = parseDevArgs(argv);
    expect(parsed.env).toBe(env);
    expect(migrationArgs(parsed)).toEqual([...base, `--env=${env}`]);
  });

  it("forwards persist folder, environment and config together", () => {
    const argv = ["--var", "OTP_TTL_SECONDS:120", "-c", "other.toml", "--persist-to", "s", "-e", "mongo", "--ip", "0.0.0.0"];
    const parsed = parseDevArgs(argv);
    expect(migrationArgs(parsed)).toEqual([...base, "--persist-to", "s", "--env=mongo", "--config", "other.toml"]);
    expect(parsed.wranglerArgs).toEqual(argv);
  });

  it("does not mistake values or look-alike flags for the flags it reads", () => {
    const parsed = parseDevArgs(["--var", "X:--persist-to", "--environment", "x", "--persist-tox", "y"]);
    expect(parsed.persistTo).toBeUndefined();
    expect(parsed.env).toBeUndefined();
  });

  it("takes --redis for itself and passes the rest to wrangler", () => {
    const parsed = parseDevArgs(["--port", "9000", "--redis", "--persist-to", "s"]);
    expect(parsed.redis).toBe(true);
    expect(parsed.wranglerArgs).toEqual(["--port", "9000", "--persist-to", "s"]);
  });

  it("reads the port (both spellings) and refuses a non-number", () => {
    expect(parseDevArgs(["--port", "9000"]).port).toBe(9000);
    expect(parseDevArgs(["--port=9001"]).port).toBe(9001);
    expect(() => parseDevArgs(["--port", "abc"])).toThrow(/--port/);
  });
});

describe("development CORS origins and the new .dev.vars", () => {
  it("allow the dev server's own origin and the usual front-end ports", () => {
    expect(devCorsOrigins()).toEqual([
      "http://localhost:8787",
      "http://127.0.0.1:8787",
      "http://localhost:5173",
      "http://localhost:3000",
    ]);
  });

  it("follow --port and --local-protocol", () => {
    const parsed = parseDevArgs(["--port", "9000", "--local-protocol", "https"]);
    expect(devCorsOrigins({ port: parsed.port, protocol: parsed.localProtocol })).toEqual([
      "https://localhost:9000",
      "https://127.0.0.1:9000",
      "http://localhost:5173",
      "http://localhost:3000",
    ]);
    expect(devCorsOrigins({ port: 3000 })).toEqual(["http://localhost:3000", "http://127.0.0.1:3000", "http://localhost:5173"]);
  });

  it(".dev.vars carries the origins as one CORS_ORIGINS line and the secrets quoted", () => {
    const text = devVarsText({ OTP_PEPPER: "abc" }, { corsOrigins: devCorsOrigins({ port: 9000 }) });
    expect(text).toMatch(/^CORS_ORIGINS=http:\/\/localhost:9000,http:\/\/127\.0\.0\.1:9000,http:\/\/localhost:5173,http:\/\/localhost:3000$/m);
    expect(text).toMatch(/^OTP_PEPPER='abc'$/m);
    expect(text).toMatch(/^ENVIRONMENT=development$/m);
    expect(text).toMatch(/^SMS_PROVIDER=console$/m);
  });

  it("an older .dev.vars gets only the secrets it lacks, and keeps every value it has", () => {
    const old = "ENVIRONMENT=development\nOTP_PEPPER='keep'\n# PIN_PEPPER=commented-out-does-not-count\nPHONE_DATA_KEY='keep2'";
    const added = missingDevSecrets(old, { OTP_PEPPER: "new", PHONE_DATA_KEY: "new2", PIN_PEPPER: "pp" });
    expect(added).toMatch(/^PIN_PEPPER='pp'$/m);
    expect(added).not.toMatch(/OTP_PEPPER|PHONE_DATA_KEY/);
    // The file did not end with a newline: the addition starts on a line of its own.
    expect((old + added).split("\n")).toContain("PIN_PEPPER='pp'");
    expect(missingDevSecrets("OTP_PEPPER='a'\n", { OTP_PEPPER: "b" })).toBe("");
  });
});

describe("redisDataDir (npm run dev:redis)", () => {
  it("keeps Redis data beside the Worker's local state, following --persist-to", () => {
    expect(redisDataDir("/repo")).toBe(join("/repo", ".wrangler", "state", "redis"));
    expect(redisDataDir("/repo", "my-state")).toBe(join("/repo", "my-state", "redis"));
    expect(redisDataDir("/repo", "/abs/state")).toBe(join("/abs/state", "redis"));
  });
});
