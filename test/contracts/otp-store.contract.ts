import { describe, expect, it } from "vitest";
import type { OtpStore } from "../../src/domain/ports";
import { rid } from "./util";

/**
 * Behaviour every OtpStore adapter must have.
 *
 * Time: each test reads the clock when it runs (never when the suite is
 * collected) and then moves expiry only through the `now` parameter. Records
 * get a real lifetime of minutes, so a store that also expires keys at rest
 * (Redis PXAT, Durable Object alarms) never drops one during a test, however
 * slow the machine: expiry is decided by `now`, deterministically.
 */
export function otpStoreContract(name: string, make: () => OtpStore | Promise<OtpStore>): void {
  describe(`OtpStore contract: ${name}`, () => {
    const record = (digest: string, now: number, ttl = 300_000) => ({ digest, expiresAt: now + ttl });

    it("stores, replaces and reads a live record", async () => {
      const store = await make();
      const phone = rid();
      const now = Date.now();
      expect(await store.get(phone, "sign_in", now)).toBeNull();
      await store.put(phone, "sign_in", record("d1", now));
      expect(await store.get(phone, "sign_in", now)).toEqual(record("d1", now));
      await store.put(phone, "sign_in", record("d2", now));
      expect((await store.get(phone, "sign_in", now))?.digest).toBe("d2");
    });

    it("treats a record as gone once `now` reaches expiresAt, on the caller's clock", async () => {
      const store = await make();
      const phone = rid();
      const now = Date.now();
      const expiresAt = now + 120_000;
      await store.put(phone, "sign_in", { digest: "d", expiresAt });
      expect(await store.get(phone, "sign_in", expiresAt - 1)).toEqual({ digest: "d", expiresAt });
      expect(await store.get(phone, "sign_in", expiresAt)).toBeNull();
      expect(await store.get(phone, "sign_in", expiresAt + 60_000)).toBeNull();
      expect(await store.consume(phone, "sign_in", "d", expiresAt)).toBe(false);
      // Refusing at `expiresAt` did not delete a record that is still live earlier.
      expect(await store.consume(phone, "sign_in", "d", expiresAt - 1)).toBe(true);
    });

    it("consumes only with the current digest, and only once", async () => {
      const store = await make();
      const phone = rid();
      const now = Date.now();
      await store.put(phone, "sign_in", record("right", now));
      expect(await store.consume(phone, "sign_in", "wrong", now)).toBe(false);
      expect(await store.consume(phone, "sign_in", "right", now)).toBe(true);
      expect(await store.consume(phone, "sign_in", "right", now)).toBe(false);
      expect(await store.get(phone, "sign_in", now)).toBeNull();
    });

    it("lets exactly one of 20 concurrent consumers win", async () => {
      const store = await make();
      const phone = rid();
      const now = Date.now();
      await store.put(phone, "sign_in", record("d", now));
      const results = await Promise.all(Array.from({ length: 20 }, () => store.consume(phone, "sign_in", "d", now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("keeps purposes apart and clears all of a phone's codes", async () => {
      const store = await make();
      const phone = rid();
      const now = Date.now();
      await store.put(phone, "sign_in", record("a", now));
      await store.put(phone, "step_up", record("b", now));
      expect((await store.get(phone, "step_up", now))?.digest).toBe("b");
      expect(await store.consume(phone, "step_up", "a", now)).toBe(false);
      await store.clear(phone);
      expect(await store.get(phone, "sign_in", now)).toBeNull();
      expect(await store.get(phone, "step_up", now)).toBeNull();
    });
  });
}
