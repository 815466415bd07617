import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rid } from "../contracts/util";
import { testEnv } from "./helpers";

const keys = (stub: DurableObjectStub) => runInDurableObject(stub, (_o, state) => [...state.storage.kv.list()].map(([k]) => k));

describe("Durable Object expiry (records do not outlive their TTL at rest)", () => {
  it("OTP-03: the PhoneLedger alarm deletes an expired code, keeps a live one and re-arms for it; an empty ledger leaves nothing behind", async () => {
    const stub = testEnv.PHONE_LEDGER.get(testEnv.PHONE_LEDGER.idFromName(rid()));
    const now = Date.now();
    const policy = { ttlMs: 300_000, cooldownMs: 0, maxSendsPerHour: 5 };
    await stub.issue("step_up", "old", "t1", { ...policy, ttlMs: 1 }, now - 10);
    await stub.issue("sign_in", "live", "t2", policy, now);
    // The alarm is due at once (the runtime may already have run it); run it if pending.
    await runDurableObjectAlarm(stub);
    const state = await stub.peek();
    expect(Object.keys(state!.codes)).toEqual(["sign_in"]);
    expect(await stub.alarmAt()).toBe(now + 300_000);

    // Once the code is used and nothing else is held (no sends, no failures), the object is empty.
    const empty = testEnv.PHONE_LEDGER.get(testEnv.PHONE_LEDGER.idFromName(rid()));
    await empty.issue("sign_in", "d", "t3", policy, now - 3_600_001);
    await runDurableObjectAlarm(empty);
    expect(await keys(empty)).toEqual([]);
    expect(await empty.alarmAt()).toBeNull();
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
