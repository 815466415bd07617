import { describe, expect, it } from "vitest";
import type { UserStore } from "../../src/domain/ports";
import { CIPHERTEXT_LIKE, phoneHashLike, rid } from "./util";

/** Behaviour every UserStore adapter must have. */
export function userStoreContract(name: string, make: () => UserStore | Promise<UserStore>): void {
  describe(`UserStore contract: ${name}`, () => {
    it("creates a user once per phone hash and finds it again", async () => {
      const store = await make();
      const phone = phoneHashLike();
      const now = Date.now();
      const first = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, now);
      expect(first.created).toBe(true);
      expect(first.user).toMatchObject({ phoneHash: phone, createdAt: now, lastLoginAt: null, biometricEnabled: false, pinEnabled: false });
      const again = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, now + 1);
      expect(again).toEqual({ user: first.user, created: false });
      expect(await store.getById(first.user.id)).toEqual(first.user);
      expect(await store.getById(rid())).toBeNull();
      expect(await store.phoneCiphertext(first.user.id)).toBe(CIPHERTEXT_LIKE);
      expect(await store.phoneCiphertext(rid())).toBeNull();
    });

    it("gives one user for 10 concurrent first sign-ins of the same phone", async () => {
      const store = await make();
      const phone = phoneHashLike();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, Date.now())));
      expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it("records the last login and answers ping", async () => {
      const store = await make();
      const { user } = await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now());
      await store.recordLogin(user.id, 1_800_000_000_000);
      expect((await store.getById(user.id))?.lastLoginAt).toBe(1_800_000_000_000);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
