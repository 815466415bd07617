// StrykerJS mutation testing for the pure modules (`npm run test:mutation`,
// not part of `npm test` or CI). Their unit tests run in Node through
// vitest.mutation.config.ts; see docs/testing.md for what is and is not covered.
// Stryker 9.6's Vitest runner filters tests by a name that no longer matches
// Vitest 5's "suite > test" names, so the unit tests it runs are top-level
// it() calls (no describe) and build their fixtures inside each test.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: ["src/domain/otp.ts", "src/domain/phone-ledger.ts", "src/lib/crypto.ts", "src/lib/jwt.ts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 20_000,
  // The sandbox gets the sources and unit tests only; node_modules is symlinked, never copied.
  ignorePatterns: ["/*", "!/src", "!/test", "/test/*", "!/test/node", "/test/node/*", "!/test/node/unit", "!/package.json", "!/vitest.mutation.config.ts", "!/tsconfig.json"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
};
