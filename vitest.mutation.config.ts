import { defineConfig } from "vitest/config";

/**
 * Only for StrykerJS (`npm run test:mutation`): the Node-side unit tests of
 * the pure modules. The Worker suites need workerd (@cloudflare/vitest-plugin),
 * which Stryker's vitest runner cannot drive; see docs/testing.md.
 */
export default defineConfig({
  test: {
    include: ["test/node/unit/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
  },
});
