import { describe, expect, it } from "vitest";
import { SETTING_NAMES } from "../../src/config";
import { testEnv } from "./helpers";

describe("test configuration", () => {
  it("the Worker suites see only the settings the test setup gives, never a developer's .dev.vars", () => {
    // vitest.config.ts sets these (wrangler.toml [vars] has ENVIRONMENT and
    // SMS_PROVIDER too, overridden there). Any other setting present would
    // have come from a .dev.vars (e.g. OTP_TTL_SECONDS=120) and changed the
    // policies the suites assert on.
    const fromSetup = ["ENVIRONMENT", "JWT_PRIVATE_JWK", "OTP_PEPPER", "PHONE_DATA_KEY", "PIN_PEPPER", "SMS_PROVIDER"];
    const present = SETTING_NAMES.filter((name) => name in testEnv).sort();
    expect(present).toEqual(fromSetup);
    expect(testEnv.ENVIRONMENT).toBe("test");
  });
});
