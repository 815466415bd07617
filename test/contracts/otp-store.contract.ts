import { describe, expect, it } from "vitest";
import type { OtpStore } from "../../src/domain/ports";
import { rid } from "./util";

/** Behaviour every OtpStore adapter must have. */
export function otpStoreContract(name: string, make: () => OtpStore | Promise<OtpStore>): void {
  describe(`OtpStore contract: ${name}`, () => {
    const now = Date.now();
    const record = (digest: string, ttl = 300_000) => ({ digest, expiresAt: now + ttl });

    it("stores, replaces and reads a live record", async () => {
      const store = await make();
      const phone = rid();
      expect(await store.get(phone, "sign_in", now)).toBeNull();
      await store.put(phone, "sign_in", record("d1"));
      expect(await store.get(phone, "sign_in", now)).toEqual(record("d1"));
      await store.put(phone, "sign_in", record("d2"));
      expect((await store.get(phone, "sign_in", now))?.digest).toBe("d2");
    });

    it("treats a record as gone once `now` passes expiresAt", async () => {
      const store = await make();
      const phone = rid();
      await store.put(phone, "sign_in", record("d", 1000));
      expect(await store.get(phone, "sign_in", now + 999)).not.toBeNull();
      expect(await store.get(phone, "sign_in", now + 1000)).toBeNull();
      expect(await store.consume(phone, "sign_in", "d", now + 1000)).toBe(false);
    });

    it("consumes only with the current digest, and only once", async () => {
      const store = await make();
      const phone = rid();
      await store.put(phone, "sign_in", record("right"));
      expect(await store.consume(phone, "sign_in", "wrong", now)).toBe(false);
      expect(await store.consume(phone, "sign_in", "right", now)).toBe(true);
      expect(await store.consume(phone, "sign_in", "right", now)).toBe(false);
      expect(await store.get(phone, "sign_in", now)).toBeNull();
    });

    it("lets exactly one of 20 concurrent consumers win", async () => {
      const store = await make();
      const phone = rid();
      await store.put(phone, "sign_in", record("d"));
      const results = await Promise.all(Array.from({ length: 20 }, () => store.consume(phone, "sign_in", "d", now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("keeps purposes apart and clears all of a phone's codes", async () => {
      const store = await make();
      const phone = rid();
      await store.put(phone, "sign_in", record("a"));
      await store.put(phone, "step_up", record("b"));
      expect((await store.get(phone, "step_up", now))?.digest).toBe("b");
      expect(await store.consume(phone, "step_up", "a", now)).toBe(false);
      await store.clear(phone);
      expect(await store.get(phone, "sign_in", now)).toBeNull();
      expect(await store.get(phone, "step_up", now)).toBeNull();
    });
  });
}
