import { describe, expect, it } from "vitest";
import type { SessionRecord, SessionStore } from "../../src/domain/ports";
import { rid } from "./util";

function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: rid(),
    userId,
    tokenHash: rid(),
    createdAt: now,
    lastAuthAt: now,
    amr: ["sms"],
    expiresAt: now + 3_600_000,
    userAgent: "contract",
    country: "IN",
    ...overrides,
  };
}

/** Behaviour every SessionStore adapter must have. */
export function sessionStoreContract(name: string, make: () => SessionStore | Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    it("creates, reads, lists and expires sessions per user", async () => {
      const store = await make();
      const user = rid();
      const now = Date.now();
      // b ends before a, but both live for minutes in real time: expiry is
      // moved through the `now` parameter, never by waiting.
      const a = session(user, { createdAt: now, lastAuthAt: now, expiresAt: now + 3_600_000 });
      const b = session(user, { createdAt: now, lastAuthAt: now, expiresAt: now + 120_000 });
      await store.create(a);
      await store.create(b);
      await store.create(session(rid()));
      expect(await store.get(user, a.id, now)).toEqual(a);
      expect((await store.list(user, now)).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.get(user, b.id, b.expiresAt)).toBeNull();
      expect((await store.list(user, b.expiresAt)).map((s) => s.id)).toEqual([a.id]);
      expect(await store.get(rid(), a.id, now)).toBeNull();
    });

    it("revokes one session, then all of a user's sessions", async () => {
      const store = await make();
      const user = rid();
      const [a, b, c] = [session(user), session(user), session(user)];
      for (const s of [a, b, c]) await store.create(s);
      expect(await store.revoke(user, a.id)).toBe(true);
      expect(await store.revoke(user, a.id)).toBe(false);
      expect(await store.get(user, a.id, Date.now())).toBeNull();
      expect(await store.revokeAll(user)).toBe(2);
      expect(await store.list(user, Date.now())).toEqual([]);
      expect(await store.get(user, b.id, Date.now())).toBeNull();
    });

    it("rotates the token hash by compare-and-set; one of two concurrent rotations wins", async () => {
      const store = await make();
      const user = rid();
      const s = session(user);
      await store.create(s);
      const later = Date.now() + 5;
      const results = await Promise.all([
        store.rotate(user, s.id, s.tokenHash, "new-1", later, ["hwk", "user"]),
        store.rotate(user, s.id, s.tokenHash, "new-2", later, ["hwk", "user"]),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.get(user, s.id, later);
      expect(["new-1", "new-2"]).toContain(stored?.tokenHash);
      expect(stored?.lastAuthAt).toBe(later);
      expect(stored?.amr).toEqual(["hwk", "user"]);
      expect(stored?.expiresAt).toBe(s.expiresAt);
      expect(await store.rotate(user, s.id, s.tokenHash, "new-3", later, ["sms"])).toBe(false);
      expect(await store.rotate(user, rid(), "x", "y", later, ["sms"])).toBe(false);
    });

    it("a renewal (not a re-authentication) rotates the token but keeps the last authentication", async () => {
      const store = await make();
      const user = rid();
      const s = session(user);
      await store.create(s);
      expect(await store.rotate(user, s.id, s.tokenHash, "renewed", s.lastAuthAt + 60_000, null)).toBe(true);
      // A renewal is a use: last seen moves, last authentication does not.
      expect(await store.get(user, s.id, s.lastAuthAt + 60_000)).toEqual({ ...s, tokenHash: "renewed", lastSeenAt: s.lastAuthAt + 60_000 });
    });

    it("touch moves a live session's last use forward only, and never revives or creates one", async () => {
      const store = await make();
      const user = rid();
      const s = session(user, { lastSeenAt: Date.now() });
      await store.create(s);
      const t1 = s.lastSeenAt! + 120_000;
      await store.touch(user, s.id, t1);
      expect(await store.get(user, s.id, t1)).toEqual({ ...s, lastSeenAt: t1 });
      // A late, older touch does not move it back.
      await store.touch(user, s.id, t1 - 60_000);
      expect((await store.get(user, s.id, t1))?.lastSeenAt).toBe(t1);
      // Nothing for a missing session, an expired one, or another user's.
      await store.touch(user, rid(), t1);
      await store.touch(rid(), s.id, t1);
      expect(await store.list(user, t1)).toHaveLength(1);
      await store.touch(user, s.id, s.expiresAt + 1);
      expect((await store.get(user, s.id, t1))?.lastSeenAt).toBe(t1);
      expect(await store.revoke(user, s.id)).toBe(true);
      await store.touch(user, s.id, t1 + 60_000);
      expect(await store.get(user, s.id, t1)).toBeNull();
    });
  });
}
