import { beforeEach, describe, expect, it } from "vitest";
import { call, expectError, PROFILES, testEnv, useProfile } from "./helpers";

const emptyDb = (testEnv as unknown as { EMPTY_DB: D1Database }).EMPTY_DB;

describe.each(PROFILES)("readiness ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("/readyz is 200 when the stores answer and the user schema is in place", async () => {
    const res = await call("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  it("/readyz is 503 when the user store's schema is missing or incomplete (migrations not applied)", async () => {
    await expectError(await call("/readyz", { settings: { DB: emptyDb } }), 503, "service_unavailable");
    // A table without the columns a sign-in writes is no better.
    await emptyDb.exec("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, phone_hash TEXT)");
    try {
      await expectError(await call("/readyz", { settings: { DB: emptyDb } }), 503, "service_unavailable");
    } finally {
      await emptyDb.exec("DROP TABLE users");
    }
  });
});
