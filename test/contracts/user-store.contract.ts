import { describe, expect, it } from "vitest";
import type { PinRecord, UserStore } from "../../src/domain/ports";
import { CIPHERTEXT_LIKE, phoneHashLike, rid } from "./util";

/** Behaviour every UserStore adapter must have. */
/** A PIN record as the domain stores it (the values need not hash anything). */
export function pinRecordLike(tag = rid(4)): PinRecord {
  return { alg: "pbkdf2-sha256", iterations: 100_000, salt: `salt-${tag}-0123456789`, hash: `hash-${tag}-0123456789abcdefghijklmnopqrstuv`, pepperVersion: 1 };
}

export function userStoreContract(name: string, make: () => UserStore | Promise<UserStore>): void {
  describe(`UserStore contract: ${name}`, () => {
    it("creates a user once per phone hash and finds it again", async () => {
      const store = await make();
      const phone = phoneHashLike();
      const now = Date.now();
      const first = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, now);
      expect(first.created).toBe(true);
      expect(first.user).toMatchObject({ phoneHash: phone, createdAt: now, lastLoginAt: null, biometricEnabled: false, pinEnabled: false, pinFailures: 0, lastCountry: null });
      const again = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, now + 1);
      expect(again).toEqual({ user: first.user, created: false });
      expect(await store.getById(first.user.id)).toEqual(first.user);
      expect(await store.getById(rid())).toBeNull();
      expect(await store.phoneCiphertext(first.user.id)).toBe(CIPHERTEXT_LIKE);
      expect(await store.phoneCiphertext(rid())).toBeNull();
    });

    it("DATA-02: deletes a user (idempotently); the phone then makes a new user", async () => {
      const store = await make();
      const phone = phoneHashLike();
      const { user } = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, Date.now());
      expect(await store.phoneHeld(phone)).toBe(true);
      await store.deleteUser(user.id);
      await store.deleteUser(user.id);
      expect(await store.getById(user.id)).toBeNull();
      expect(await store.phoneHeld(phone)).toBe(false);
      const again = await store.findOrCreateByPhone(phone, CIPHERTEXT_LIKE, Date.now());
      expect(again.created).toBe(true);
      expect(again.user.id).not.toBe(user.id);
    });

    it("changes a user's phone in one write; a number another user holds is in use, even when two users race for it", async () => {
      const store = await make();
      const now = Date.now();
      const [a, b, c] = await Promise.all([0, 1, 2].map(async () => (await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, now)).user));
      const fresh = phoneHashLike();
      expect(await store.changePhone(a!.id, fresh, "bmV3LWNpcGhlcnRleHQtb2YtYS1waG9uZS1udW1iZXI")).toBe("changed");
      expect(await store.getById(a!.id)).toMatchObject({ phoneHash: fresh });
      expect(await store.phoneCiphertext(a!.id)).toBe("bmV3LWNpcGhlcnRleHQtb2YtYS1waG9uZS1udW1iZXI");
      // The old number is free: it makes a new user.
      expect((await store.findOrCreateByPhone(a!.phoneHash, CIPHERTEXT_LIKE, now)).created).toBe(true);
      expect(await store.changePhone(b!.id, fresh, CIPHERTEXT_LIKE)).toBe("in_use");
      expect(await store.changePhone(rid(), phoneHashLike(), CIPHERTEXT_LIKE)).toBe("gone");
      const contested = phoneHashLike();
      const results = await Promise.all([b!, c!].map((u) => store.changePhone(u.id, contested, CIPHERTEXT_LIKE)));
      expect(results.sort()).toEqual(["changed", "in_use"]);
    });

    it("DATA-01: lists ciphertexts not under the current key and replaces one only if it is unchanged", async () => {
      const store = await make();
      const now = Date.now();
      const k1 = `v1.k1.${"A".repeat(40)}`;
      const { user: old } = await store.findOrCreateByPhone(phoneHashLike(), k1, now);
      const { user: current } = await store.findOrCreateByPhone(phoneHashLike(), `v1.k2.${"B".repeat(40)}`, now);
      const stale = await store.staleCiphertexts("k2", 10_000);
      expect(stale).toContainEqual({ id: old.id, ciphertext: k1 });
      expect(stale.some((s) => s.id === current.id)).toBe(false);
      expect(await store.replaceCiphertext(old.id, `v1.k1.${"C".repeat(40)}`, `v1.k2.${"D".repeat(40)}`)).toBe(false);
      expect(await store.replaceCiphertext(old.id, k1, `v1.k2.${"D".repeat(40)}`)).toBe(true);
      expect(await store.phoneCiphertext(old.id)).toBe(`v1.k2.${"D".repeat(40)}`);
      expect((await store.staleCiphertexts("k2", 10_000)).some((s) => s.id === old.id)).toBe(false);
    });

    it("keeps preferences with compare-and-set on their version", async () => {
      const store = await make();
      const { user } = await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now());
      const initial = await store.preferences(user.id);
      expect(initial).toEqual({ locale: null, marketingConsent: false, marketingConsentChangedAt: null, displayName: null, version: 0 });
      const next = { locale: "en-GB", marketingConsent: true, marketingConsentChangedAt: 1_700_000_000_000, displayName: "Asha", version: 1 };
      const raced = await Promise.all([store.putPreferences(user.id, next, 0), store.putPreferences(user.id, { ...next, displayName: "B" }, 0)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect((await store.preferences(user.id))!.version).toBe(1);
      expect(await store.putPreferences(user.id, { ...next, version: 2 }, 0)).toBe(false);
      expect(await store.putPreferences(user.id, { ...next, version: 2 }, 1)).toBe(true);
      expect(await store.preferences(user.id)).toEqual({ ...next, version: 2 });
      expect(await store.preferences(rid())).toBeNull();
      expect(await store.putPreferences(rid(), next, 0)).toBe(false);
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
      // The sign-in's country is kept; a sign-in from an unknown country keeps the last known one.
      await store.recordLogin(user.id, 1_800_000_000_001, "DE");
      expect(await store.getById(user.id)).toMatchObject({ lastLoginAt: 1_800_000_000_001, lastCountry: "DE" });
      await store.recordLogin(user.id, 1_800_000_000_002, null);
      expect(await store.getById(user.id)).toMatchObject({ lastLoginAt: 1_800_000_000_002, lastCountry: "DE" });
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("PIN-02: sets, replaces and removes a PIN; the user record shows the flag, never the hash", async () => {
      const store = await make();
      const { user } = await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now());
      expect(await store.countPinAttempt(user.id, 5)).toEqual({ status: "not_set" });
      expect(await store.removePin(user.id)).toBe(false);
      const first = pinRecordLike("a");
      expect(await store.setPin(user.id, first, Date.now())).toBe(true);
      const after = await store.getById(user.id);
      expect(after).toMatchObject({ pinEnabled: true, pinFailures: 0 });
      expect(JSON.stringify(after)).not.toContain(first.hash);
      expect(await store.countPinAttempt(user.id, 5)).toEqual({ status: "counted", record: first, failuresBefore: 0 });
      const second = pinRecordLike("b");
      expect(await store.setPin(user.id, second, Date.now())).toBe(true);
      // A new PIN starts with no failures counted and is the one read back.
      expect(await store.getById(user.id)).toMatchObject({ pinEnabled: true, pinFailures: 0 });
      expect(await store.countPinAttempt(user.id, 5)).toEqual({ status: "counted", record: second, failuresBefore: 0 });
      expect(await store.removePin(user.id)).toBe(true);
      expect(await store.getById(user.id)).toMatchObject({ pinEnabled: false, pinFailures: 0 });
      expect(await store.countPinAttempt(user.id, 5)).toEqual({ status: "not_set" });
      expect(await store.setPin(rid(), first, Date.now())).toBe(false);
      expect(await store.countPinAttempt(rid(), 5)).toEqual({ status: "not_set" });
    });

    it("PIN-03: counts attempts up to the cap, then is locked until cleared or a sign-in", async () => {
      const store = await make();
      const { user } = await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now());
      await store.setPin(user.id, pinRecordLike(), Date.now());
      for (let i = 0; i < 3; i++) expect(await store.countPinAttempt(user.id, 3)).toMatchObject({ status: "counted", failuresBefore: i });
      expect(await store.countPinAttempt(user.id, 3)).toEqual({ status: "locked" });
      expect((await store.getById(user.id))?.pinFailures).toBe(3);
      await store.clearPinFailures(user.id);
      expect((await store.getById(user.id))?.pinFailures).toBe(0);
      expect(await store.countPinAttempt(user.id, 3)).toMatchObject({ status: "counted", failuresBefore: 0 });
      await store.countPinAttempt(user.id, 3);
      await store.countPinAttempt(user.id, 3);
      expect(await store.countPinAttempt(user.id, 3)).toEqual({ status: "locked" });
      // A sign-in (recordLogin) turns PIN unlock back on.
      await store.recordLogin(user.id, Date.now());
      expect(await store.getById(user.id)).toMatchObject({ pinEnabled: true, pinFailures: 0 });
      // recordLogin and clearPinFailures are harmless for a user with no PIN.
      const other = (await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now())).user;
      await store.recordLogin(other.id, 1_800_000_000_000);
      await store.clearPinFailures(other.id);
      expect(await store.getById(other.id)).toMatchObject({ pinEnabled: false, pinFailures: 0, lastLoginAt: 1_800_000_000_000 });
    });

    it("PIN-03: of 20 concurrent attempts at most the cap are counted", async () => {
      const store = await make();
      const { user } = await store.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now());
      await store.setPin(user.id, pinRecordLike(), Date.now());
      const results = await Promise.all(Array.from({ length: 20 }, () => store.countPinAttempt(user.id, 5)));
      const counted = results.filter((r) => r.status === "counted");
      expect(counted).toHaveLength(5);
      // Each counted attempt saw a different count before it: none was lost to a race.
      expect(counted.map((r) => (r.status === "counted" ? r.failuresBefore : -1)).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(results.filter((r) => r.status === "locked")).toHaveLength(15);
      expect((await store.getById(user.id))?.pinFailures).toBe(5);
    });
  });
}
