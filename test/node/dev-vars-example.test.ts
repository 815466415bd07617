/**
 * .dev.vars.example lists every setting of the config schema (src/config.ts)
 * with its default, commented out, and nothing the schema does not read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { generateDevSecrets } from "../../scripts/secrets.mjs";

/** The setting names the schema reads, observed through the env object it is given. */
function schemaKeys(): string[] {
  const read = new Set<string>();
  parseConfig(
    new Proxy({} as Record<string, unknown>, {
      get(_target, key) {
        if (typeof key === "string" && /^[A-Z][A-Z0-9_]*$/.test(key)) read.add(key);
        return undefined;
      },
    }),
  );
  return [...read].sort();
}

const example = readFileSync(join(import.meta.dirname, "..", "..", ".dev.vars.example"), "utf8");
const secrets = ["JWT_PRIVATE_JWK", "OTP_PEPPER", "PHONE_DATA_KEY", "PIN_PEPPER"];

/** `# NAME=value` lines: the last one per name is the default. */
function listed(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of example.split("\n")) {
    const m = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) entries.set(m[1]!, m[2]!);
  }
  return entries;
}

describe(".dev.vars.example", () => {
  it("lists every setting the config schema reads", () => {
    const keys = schemaKeys();
    expect(keys.length).toBeGreaterThan(30);
    expect(keys).toEqual(expect.arrayContaining([...secrets, "CLIENT_IP_SOURCE", "TRUSTED_PROXY_HOPS", "PUBLIC_URL"]));
    const missing = keys.filter((k) => !listed().has(k));
    expect(missing, `add these settings to .dev.vars.example: ${missing.join(", ")}`).toEqual([]);
  });

  it("lists nothing the schema does not read", () => {
    const keys = new Set(schemaKeys());
    expect([...listed().keys()].filter((k) => !keys.has(k))).toEqual([]);
  });

  it("sets nothing: every setting line is commented out", () => {
    expect(example.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))).toEqual([]);
  });

  it("shows each optional setting's default: setting it to the listed value changes nothing", () => {
    const base: Record<string, string> = { ...generateDevSecrets(), ENVIRONMENT: "development" };
    for (const [key, value] of listed()) {
      if (secrets.includes(key)) continue;
      const without = { ...base };
      delete without[key];
      expect(parseConfig({ ...without, [key]: value }), `${key}=${value} is not the default`).toEqual(parseConfig(without));
    }
  });

  it("says how the required secrets are made, and shows their form", () => {
    for (const key of secrets) expect(listed().get(key)).toBeTruthy();
    expect(example).toMatch(/npm run dev` generates them/);
    expect(example).toMatch(/production-secrets\.mjs/);
  });
});
