import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateDevSecrets } from "./scripts/secrets.mjs";
import { buildD1Shim } from "./scripts/build-workerd.mjs";
import { isolatedWranglerConfig } from "./test/support/isolated-wrangler-config.mjs";

/**
 * Three projects:
 *  - worker: runs inside workerd via @cloudflare/vitest-plugin with the real
 *    Durable Objects and D1 from wrangler.toml (embedded profile);
 *  - node:   Node-side suites (fake provider servers, tooling, the typed
 *            client against wrangler dev);
 *  - e2e:    the demo app in Chromium against wrangler dev.
 * Secrets are generated fresh for every run; none are committed.
 */
export default defineConfig(async () => {
  // public/ (the ASSETS binding) must exist before the pool reads wrangler.toml;
  // the plugin does not run wrangler's [build] command. A no-op when up to date.
  execFileSync(process.execPath, ["scripts/build-assets.mjs"], { stdio: "inherit" });
  // Self-hosted D1 (deploy/workerd/d1), which the D1 adapters' contracts also run against.
  await buildD1Shim();
  const migrations = await readD1Migrations("migrations/d1");
  const secrets = generateDevSecrets();
  // Never the developer's .dev.vars: see test/support/isolated-wrangler-config.mjs.
  const configPath = isolatedWranglerConfig("wrangler.toml", ".wrangler/test-config");
  return {
    test: {
      // The Worker's structured log lines are asserted on by LOG-01 through
      // spies; echoing them all would bury the test report.
      onConsoleLog: (log: string) => !/^(\{"level"|\[dev (sms|voice)\])/.test(log.trimStart()),
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath },
              miniflare: {
                // A D1 database no migration touches: /readyz must see it as not ready.
                d1Databases: ["EMPTY_DB"],
                // The self-hosted D1 stand-in's Durable Object, in a worker of its own as in deploy/workerd/config.capnp.
                durableObjects: { D1_SHIM: { className: "SqliteDatabase", scriptName: "d1-shim", useSQLite: true } },
                workers: [{ name: "d1-shim", modules: true, scriptPath: "dist/workerd/d1-worker.js", compatibilityDate: "2026-10-01", durableObjects: { D1_SHIM: { className: "SqliteDatabase", useSQLite: true } } }],
                bindings: {
                  ...secrets,
                  ENVIRONMENT: "test",
                  SMS_PROVIDER: "console",
                  TEST_MIGRATIONS: migrations,
                  FAKE_TWILIO_URL: inject("fakeTwilioUrl"),
                  FAKE_SNS_URL: inject("fakeSnsUrl"),
                  FAKE_MSG91_URL: inject("fakeMsg91Url"),
                  FAKE_LOOKUP_URL: inject("fakeLookupUrl"),
                  FAKE_TURNSTILE_URL: inject("fakeTurnstileUrl"),
                  TEST_UPSTASH_URL: inject("upstashUrl"),
                  TEST_UPSTASH_TOKEN: inject("upstashToken"),
                  BLACKHOLE_URL: inject("blackholeUrl"),
                },
              },
            })),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["test/worker/setup.ts"],
            globalSetup: ["test/support/global-setup.ts"],
            testTimeout: 30_000,
          },
        },
        {
          // The demo's modules import the client by package name; in tests that is its source (client/dist may not be built yet).
          resolve: { alias: { "edge-phone-auth/client": fileURLToPath(new URL("./client/src/index.ts", import.meta.url)) } },
          test: {
            name: "node",
            // GitHub's workflow parser imports its JSON schema without an import attribute, which Node refuses; Vite's transform does not.
            server: { deps: { inline: ["@actions/workflow-parser"] } },
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
          },
        },
      ],
    },
  };
});
