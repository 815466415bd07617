/**
 * scripts/production-secrets.mjs: fresh production secrets as the JSON object
 * `wrangler secret bulk` reads from stdin, accepted by the config schema,
 * with a production key id (never `dev-…`).
 */
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { generateDevSecrets } from "../../scripts/secrets.mjs";

const script = join(import.meta.dirname, "..", "..", "scripts", "production-secrets.mjs");

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const twilio = { SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000", TWILIO_AUTH_TOKEN: "t", TWILIO_FROM: "+15005550006" };

describe("node scripts/production-secrets.mjs", () => {
  it("prints only a JSON object of string values (wrangler secret bulk's stdin format)", async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    const secrets = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(secrets).sort()).toEqual(["JWT_PRIVATE_JWK", "OTP_PEPPER", "PHONE_DATA_KEY", "PIN_PEPPER"]);
    for (const value of Object.values(secrets)) expect(typeof value).toBe("string");
    // Notes go to stderr, never into the piped JSON.
    expect(stderr).toMatch(/signing key id: k-/);
    expect(stderr).toMatch(/PHONE_DATA_KEY/);
  });

  it("secrets the production config accepts, with a dated production kid", async () => {
    const secrets = JSON.parse((await run()).stdout) as Record<string, string>;
    expect(secrets.OTP_PEPPER).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(secrets.PHONE_DATA_KEY).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(secrets.PIN_PEPPER).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(new Set([secrets.OTP_PEPPER, secrets.PHONE_DATA_KEY, secrets.PIN_PEPPER]).size).toBe(3);
    const jwk = JSON.parse(secrets.JWT_PRIVATE_JWK!) as Record<string, string>;
    const today = new Date().toISOString().slice(0, 10);
    expect(jwk.kid).toMatch(new RegExp(`^k-${today}-[0-9a-f]{8}$`));
    expect(jwk.kid).not.toMatch(/^dev-/);
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    const result = parseConfig({ ...secrets, ...twilio, ENVIRONMENT: "production" });
    expect(result).toMatchObject({ ok: true });
    // A working key pair: what it signs, its public half verifies.
    const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
    const signature = sign(null, Buffer.from("x"), privateKey);
    expect(verify(null, Buffer.from("x"), createPublicKey(privateKey), signature)).toBe(true);
  });

  it("--value NAME prints one bare value, as `wrangler secret put NAME` reads it from a pipe", async () => {
    const pepper = await run("--value", "OTP_PEPPER");
    expect(pepper.code).toBe(0);
    expect(pepper.stdout).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const key = await run("--value=JWT_PRIVATE_JWK");
    const jwk = JSON.parse(key.stdout) as Record<string, string>;
    expect(jwk.kid).toMatch(/^k-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/);
    expect(parseConfig({ ...generateDevSecrets(), JWT_PRIVATE_JWK: key.stdout, OTP_PEPPER: pepper.stdout, ...twilio, ENVIRONMENT: "production" })).toMatchObject({ ok: true });
    expect((await run("--value", "NOPE")).code).toBe(2);
    expect((await run("--value", "OTP_PEPPER", "--only", "OTP_PEPPER")).code).toBe(2);
  });

  it("fresh values on every run", async () => {
    const [a, b] = await Promise.all([run(), run()]);
    const [sa, sb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)] as Record<string, string>[];
    for (const key of Object.keys(sa!)) expect(sa![key]).not.toBe(sb![key]);
  });

  it("--only prints just the named secrets; an unknown name is refused", async () => {
    const only = await run("--only", "JWT_PRIVATE_JWK");
    expect(Object.keys(JSON.parse(only.stdout))).toEqual(["JWT_PRIVATE_JWK"]);
    const two = await run("--only=OTP_PEPPER,JWT_PRIVATE_JWK");
    expect(Object.keys(JSON.parse(two.stdout)).sort()).toEqual(["JWT_PRIVATE_JWK", "OTP_PEPPER"]);
    const bad = await run("--only", "TWILIO_AUTH_TOKEN");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
  });

  it("development keys keep their dev- kid", () => {
    const jwk = JSON.parse(generateDevSecrets().JWT_PRIVATE_JWK) as { kid: string };
    expect(jwk.kid).toMatch(/^dev-[0-9a-f]{8}$/);
  });
});
