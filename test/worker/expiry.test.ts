import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rid } from "../contracts/util";
import { testEnv } from "./helpers";

const keys = (stub: DurableObjectStub) => runInDurableObject(stub, (_o, state) => [...state.storage.kv.list()].map(([k]) => k));

describe("Durable Object expiry (records do not outlive their TTL at rest)", () => {
  it("OTP-03: the OtpVault alarm deletes an expired code, keeps a live one and re-arms for it", async () => {
    const stub = testEnv.OTP_VAULT.get(testEnv.OTP_VAULT.idFromName(rid()));
    const now = Date.now();
    await stub.put("step_up", { digest: "old", expiresAt: now - 1 });
    await stub.put("sign_in", { digest: "live", expiresAt: now + 300_000 });
    // The alarm is due at once (the runtime may already have run it); run it if pending.
    await runDurableObjectAlarm(stub);
    expect(await keys(stub)).toEqual(["otp:sign_in"]);
    expect(await stub.alarmAt()).toBe(now + 300_000);
  });

  it("SES-03: the SessionVault alarm deletes expired sessions and clears itself when none remain", async () => {
    const user = rid();
    const stub = testEnv.SESSION_VAULT.get(testEnv.SESSION_VAULT.idFromName(user));
    const now = Date.now();
    const base = { userId: user, tokenHash: "h", createdAt: now, lastAuthAt: now, userAgent: null, country: null };
    await stub.create({ ...base, id: "a", expiresAt: now - 1 });
    await runDurableObjectAlarm(stub);
    expect(await keys(stub)).toEqual([]);
    // Nothing left, so no alarm stays armed.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});
