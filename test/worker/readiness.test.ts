import { beforeEach, describe, expect, it } from "vitest";
import { call, expectError, PROFILES, requestCode, testEnv, uniquePhone, useProfile } from "./helpers";

const emptyDb = (testEnv as unknown as { EMPTY_DB: D1Database }).EMPTY_DB;

describe.each(PROFILES)("readiness ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("/readyz is 200 when the stores answer and the user schema is in place", async () => {
    const res = await call("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", openErasures: expect.any(Number) as number });
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
    // Every column, but no UNIQUE constraint on phone_hash: the sign-in's
    // upsert (ON CONFLICT(phone_hash)) cannot run, so the service is not ready.
    await emptyDb.exec(
      "CREATE TABLE users (id TEXT PRIMARY KEY, phone_hash TEXT NOT NULL, phone_ciphertext TEXT NOT NULL, created_at INTEGER NOT NULL, last_login_at INTEGER, biometric_enabled INTEGER NOT NULL DEFAULT 0, pin_enabled INTEGER NOT NULL DEFAULT 0, pin_record TEXT, pin_failures INTEGER NOT NULL DEFAULT 0, last_country TEXT)",
    );
    try {
      await expectError(await call("/readyz", { settings: { DB: emptyDb } }), 503, "service_unavailable");
      // And a sign-in on it really fails (this is what readiness predicts).
      const phone = uniquePhone();
      const code = await requestCode(phone);
      await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, settings: { DB: emptyDb } }), 503, "service_unavailable");
      // With the constraint the same table is ready, and no row was written by the probes.
      await emptyDb.exec("CREATE UNIQUE INDEX users_phone_hash ON users (phone_hash)");
      expect((await call("/readyz", { settings: { DB: emptyDb } })).status).toBe(200);
      expect(await emptyDb.prepare("SELECT COUNT(*) AS n FROM users").first("n")).toBe(0);
    } finally {
      await emptyDb.exec("DROP TABLE users");
    }
  });
});
