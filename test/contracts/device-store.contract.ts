import { describe, expect, it } from "vitest";
import type { DeviceRecord, DeviceStore } from "../../src/domain/devices";
import { phoneHashLike, rid } from "./util";

const DAY = 86_400_000;

function device(userId: string, usedAt: number, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return { id: rid(16), userId, phoneHash: phoneHashLike(), secretHash: rid(), createdAt: usedAt, lastUsedAt: usedAt, expiresAt: usedAt + 30 * DAY, ...overrides };
}

/** Behaviour every DeviceStore adapter must have (FRAUD-05 recognised devices). */
export function deviceStoreContract(name: string, make: () => DeviceStore | Promise<DeviceStore>): void {
  describe(`DeviceStore contract: ${name}`, () => {
    it("FRAUD-05: stores a device until its expiry on the caller's clock, and lists the user's live devices, most recently used first", async () => {
      const store = await make();
      const user = rid();
      const now = Date.now();
      const a = device(user, now - 2000);
      const b = device(user, now - 1000, { expiresAt: now + 60_000 });
      await store.create(a, 10);
      await store.create(b, 10);
      await store.create(device(rid(), now), 10);
      expect(await store.get(a.id, now)).toEqual(a);
      expect((await store.listForUser(user, now)).map((d) => d.id)).toEqual([b.id, a.id]);
      expect(await store.get(b.id, b.expiresAt)).toBeNull();
      expect((await store.listForUser(user, b.expiresAt)).map((d) => d.id)).toEqual([a.id]);
      expect(await store.get(rid(16), now)).toBeNull();
    });

    it("FRAUD-05: rotation is a compare-and-set: of concurrent rotations with one secret exactly one wins, and it renews the device", async () => {
      const store = await make();
      const now = Date.now();
      const d = device(rid(), now - 5000);
      await store.create(d, 10);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.rotate(d.id, d.secretHash, `new-${i}`, now, now + 60 * DAY)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const rotated = await store.get(d.id, now);
      expect(rotated).toMatchObject({ secretHash: `new-${results.indexOf(true)}`, lastUsedAt: now, expiresAt: now + 60 * DAY });
      // The old secret no longer rotates, nor does an expired device.
      expect(await store.rotate(d.id, d.secretHash, "again", now, now + 60 * DAY)).toBe(false);
      expect(await store.rotate(d.id, rotated!.secretHash, "late", now + 60 * DAY, now + 90 * DAY)).toBe(false);
    });

    it("FRAUD-05: keeps at most maxPerUser devices per user, forgetting the least recently used, even when sign-ins race", async () => {
      const store = await make();
      const user = rid();
      const now = Date.now();
      const oldest = device(user, now - 10_000);
      const middle = device(user, now - 9000);
      const newest = device(user, now - 8000);
      for (const d of [oldest, middle, newest]) await store.create(d, 3);
      // Using the oldest makes it the most recent: the middle one is forgotten next.
      expect(await store.rotate(oldest.id, oldest.secretHash, "used", now - 7000, now - 7000 + 30 * DAY)).toBe(true);
      const fourth = device(user, now - 6000);
      await store.create(fourth, 3);
      expect((await store.listForUser(user, now)).map((d) => d.id)).toEqual([fourth.id, oldest.id, newest.id]);
      expect(await store.get(middle.id, now)).toBeNull();
      // Ten concurrent new devices: still three.
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.create(device(user, now + i), 3)));
      expect(await store.listForUser(user, now + 100)).toHaveLength(3);
    });

    it("FRAUD-05: forgets every device of the user but the one kept, and no other user's", async () => {
      const store = await make();
      const user = rid();
      const now = Date.now();
      const [a, b, c] = [device(user, now - 3000), device(user, now - 2000), device(user, now - 1000, { expiresAt: now + 1 })];
      const other = device(rid(), now);
      for (const d of [a, b, c, other]) await store.create(d, 10);
      // c has expired by then: two live devices were forgotten.
      expect(await store.revokeAllForUser(user, b.id, now + 1)).toBe(1);
      expect((await store.listForUser(user, now)).map((d) => d.id)).toEqual([b.id]);
      expect(await store.revokeAllForUser(user, null, now)).toBe(1);
      expect(await store.listForUser(user, now)).toEqual([]);
      expect(await store.get(a.id, now)).toBeNull();
      expect(await store.get(other.id, now)).toEqual(other);
      expect(await store.revokeAllForUser(user, null, now)).toBe(0);
    });
  });
}
