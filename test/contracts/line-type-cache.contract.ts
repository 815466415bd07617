import { describe, expect, it } from "vitest";
import type { LineTypeCache } from "../../src/domain/line-type";
import { phoneHashLike } from "./util";

/** Behaviour every LineTypeCache adapter must have (FRAUD-02: one lookup per number per cache period). */
export function lineTypeCacheContract(name: string, make: () => LineTypeCache | Promise<LineTypeCache>): void {
  describe(`LineTypeCache contract: ${name}`, () => {
    it("FRAUD-02: keeps a number's line type until its expiry on the caller's clock, per phone hash", async () => {
      const cache = await make();
      const phone = phoneHashLike();
      const now = Date.now();
      expect(await cache.get(phone, now)).toBeNull();
      await cache.put(phone, "nonFixedVoip", now + 60_000, now);
      expect(await cache.get(phone, now + 59_999)).toBe("nonFixedVoip");
      expect(await cache.get(phone, now + 60_000)).toBeNull();
      expect(await cache.get(phoneHashLike(), now)).toBeNull();
      // A new lookup replaces the old answer and its expiry.
      await cache.put(phone, "mobile", now + 120_000, now + 1);
      expect(await cache.get(phone, now + 100_000)).toBe("mobile");
    });
  });
}
