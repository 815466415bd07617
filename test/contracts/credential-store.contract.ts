import { describe, expect, it } from "vitest";
import type { CredentialRecord, CredentialStore } from "../../src/domain/biometric-ports";
import type { UserStore } from "../../src/domain/ports";
import { CIPHERTEXT_LIKE, phoneHashLike, rid } from "./util";

/** A credential store and the user store it marks users biometric-enabled in (they share storage). */
export interface CredentialFixture {
  credentials: CredentialStore;
  users: UserStore;
}

export function passkeyLike(userId: string, over: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id: rid(16),
    userId,
    kind: "passkey",
    publicKey: "pQECAyYgASFYIGZha2UtY29zZS1rZXktYnl0ZXMtZm9yLXRlc3Rz",
    algorithm: null,
    counter: 0,
    transports: ["internal", "hybrid"],
    backupEligible: true,
    backedUp: true,
    aaguid: "00000000-0000-0000-0000-000000000000",
    userHandle: rid(32),
    deviceId: null,
    platform: "web",
    name: "Passkey",
    createdAt: 1_800_000_000_000,
    lastUsedAt: null,
    ...over,
  };
}

export function deviceKeyLike(userId: string, deviceId = rid(8), over: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    ...passkeyLike(userId),
    id: `device:${deviceId}`,
    kind: "device_key",
    publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZmFrZS1zcGtp",
    algorithm: "ES256",
    transports: [],
    backupEligible: false,
    backedUp: false,
    aaguid: null,
    userHandle: null,
    deviceId,
    platform: "android",
    name: "Pixel",
    ...over,
  };
}

/** Behaviour every CredentialStore adapter must have. */
export function credentialStoreContract(name: string, make: () => CredentialFixture | Promise<CredentialFixture>): void {
  describe(`CredentialStore contract: ${name}`, () => {
    async function newUser(f: CredentialFixture): Promise<string> {
      return (await f.users.findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now())).user.id;
    }

    it("adds a passkey, marks the user biometric-enabled and reads it back by id and by user", async () => {
      const f = await make();
      const userId = await newUser(f);
      const cred = passkeyLike(userId);
      expect(await f.credentials.add(cred)).toBe("added");
      expect(await f.credentials.get(cred.id)).toEqual(cred);
      expect(await f.credentials.list(userId)).toEqual([cred]);
      expect((await f.users.getById(userId))?.biometricEnabled).toBe(true);
      expect(await f.credentials.get(rid(16))).toBeNull();
      expect(await f.credentials.list(rid(16))).toEqual([]);
    });

    it("BIO-03: refuses a passkey id already registered, to the same user or another, and keeps the first", async () => {
      const f = await make();
      const [a, b] = [await newUser(f), await newUser(f)];
      const cred = passkeyLike(a);
      expect(await f.credentials.add(cred)).toBe("added");
      expect(await f.credentials.add({ ...cred, userId: b, publicKey: "b3RoZXIta2V5" })).toBe("taken");
      expect(await f.credentials.add({ ...cred, publicKey: "b3RoZXIta2V5" })).toBe("taken");
      expect(await f.credentials.get(cred.id)).toEqual(cred);
      expect(await f.credentials.list(b)).toEqual([]);
      expect((await f.users.getById(b))?.biometricEnabled).toBe(false);
    });

    it("BIO-03: of concurrent registrations of one passkey id by two users, exactly one is added", async () => {
      const f = await make();
      const users = await Promise.all(Array.from({ length: 4 }, () => newUser(f)));
      const id = rid(16);
      const outcomes = await Promise.all(users.map((u) => f.credentials.add(passkeyLike(u, { id }))));
      expect(outcomes.filter((o) => o === "added")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "taken")).toHaveLength(3);
    });

    it("a device key replaces the same user's key for that device, and is refused for another user's device", async () => {
      const f = await make();
      const [a, b] = [await newUser(f), await newUser(f)];
      const first = deviceKeyLike(a);
      expect(await f.credentials.add(first)).toBe("added");
      const renewed = { ...first, publicKey: "bmV3LWtleQ", algorithm: "RS256" as const, createdAt: first.createdAt + 5 };
      expect(await f.credentials.add(renewed)).toBe("replaced");
      expect(await f.credentials.get(first.id)).toEqual(renewed);
      expect(await f.credentials.list(a)).toHaveLength(1);
      expect(await f.credentials.add(deviceKeyLike(b, first.deviceId!))).toBe("taken");
      expect(await f.credentials.get(first.id)).toEqual(renewed);
    });

    it("BIO-04: recordUse is a compare-and-set on the counter: of concurrent uses with one counter, one wins", async () => {
      const f = await make();
      const userId = await newUser(f);
      const cred = passkeyLike(userId, { counter: 7 });
      await f.credentials.add(cred);
      const results = await Promise.all(Array.from({ length: 5 }, () => f.credentials.recordUse(cred.id, 7, 8, false, 1_800_000_000_500)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await f.credentials.get(cred.id)).toMatchObject({ counter: 8, backedUp: false, lastUsedAt: 1_800_000_000_500 });
      // A stale expectation is refused and changes nothing.
      expect(await f.credentials.recordUse(cred.id, 7, 9, true, 1_800_000_000_900)).toBe(false);
      expect(await f.credentials.get(cred.id)).toMatchObject({ counter: 8, lastUsedAt: 1_800_000_000_500 });
      expect(await f.credentials.recordUse(rid(16), 0, 1, false, 1)).toBe(false);
    });

    it("removes only the owner's credential and clears biometricEnabled with the last one", async () => {
      const f = await make();
      const [a, b] = [await newUser(f), await newUser(f)];
      const [p, d] = [passkeyLike(a), deviceKeyLike(a)];
      await f.credentials.add(p);
      await f.credentials.add(d);
      expect(await f.credentials.remove(b, p.id)).toEqual({ removed: false, remaining: 0 });
      expect(await f.credentials.get(p.id)).toEqual(p);
      expect(await f.credentials.remove(a, p.id)).toEqual({ removed: true, remaining: 1 });
      expect((await f.users.getById(a))?.biometricEnabled).toBe(true);
      expect(await f.credentials.remove(a, p.id)).toEqual({ removed: false, remaining: 1 });
      expect(await f.credentials.remove(a, d.id)).toEqual({ removed: true, remaining: 0 });
      expect((await f.users.getById(a))?.biometricEnabled).toBe(false);
      expect(await f.credentials.list(a)).toEqual([]);
      // The id is free again once removed.
      expect(await f.credentials.add(passkeyLike(b, { id: p.id }))).toBe("added");
    });

    it("keeps one WebAuthn user handle per user: the first stored wins, also under a race", async () => {
      const f = await make();
      const userId = await newUser(f);
      const candidates = Array.from({ length: 5 }, () => rid(32));
      const handles = await Promise.all(candidates.map((c) => f.credentials.userHandle(userId, c)));
      expect(new Set(handles).size).toBe(1);
      expect(candidates).toContain(handles[0]);
      expect(await f.credentials.userHandle(userId, rid(32))).toBe(handles[0]);
      // Another user gets its own.
      const other = rid(32);
      expect(await f.credentials.userHandle(await newUser(f), other)).toBe(other);
    });
  });
}
