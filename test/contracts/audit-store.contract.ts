import { describe, expect, it } from "vitest";
import { AUDIT_MAX_ENTRIES, type AuditEntry, type AuditStore } from "../../src/domain/audit";
import { rid } from "./util";

const DAY = 86_400_000;

function entry(at: number, tiebreak = 0, event: AuditEntry["event"] = "otp.verified"): AuditEntry {
  return { seq: at * 1000 + tiebreak, at, event, outcome: "success", country: "IN", network: "203.0.113.0/24" };
}

/** Behaviour every AuditStore adapter must have (issue 11's audit trail: bounded, expiring, newest first, movable). */
export function auditStoreContract(name: string, make: () => AuditStore | Promise<AuditStore>): void {
  describe(`AuditStore contract: ${name}`, () => {
    it("lists a subject's entries newest first in pages by seq, within the retention, and no other subject's", async () => {
      const store = await make();
      const subject = `user:${rid()}`;
      const now = Date.now();
      const entries = [entry(now - 3000), entry(now - 2000), entry(now - 2000, 7), entry(now - 1000)];
      for (const e of entries) await store.append(subject, e, 90 * DAY);
      await store.append(`user:${rid()}`, entry(now), 90 * DAY);
      const all = await store.list(subject, null, 10, now - 90 * DAY);
      expect(all).toEqual([entries[3], entries[2], entries[1], entries[0]]);
      const first = await store.list(subject, null, 2, now - 90 * DAY);
      expect(first).toEqual([entries[3], entries[2]]);
      expect(await store.list(subject, first.at(-1)!.seq, 2, now - 90 * DAY)).toEqual([entries[1], entries[0]]);
      // Entries older than the caller's retention line are not listed.
      expect(await store.list(subject, null, 10, now - 1500)).toEqual([entries[3]]);
    });

    it("drops entries past the retention and beyond the bound as new ones are written", async () => {
      const store = await make();
      const subject = `phone:${rid()}`;
      const now = Date.now();
      // Written under a 5-day retention, then the setting is lowered to 2 days: the next write drops it.
      await store.append(subject, entry(now - 3 * DAY), 5 * DAY);
      expect(await store.list(subject, null, 10, 0)).toEqual([entry(now - 3 * DAY)]);
      await store.append(subject, entry(now), 2 * DAY);
      expect(await store.list(subject, null, 10, 0)).toEqual([entry(now)]);
      // An entry written late (older than the newest) does not cut the list's life short.
      await store.append(subject, entry(now - DAY), 2 * DAY);
      expect(await store.list(subject, null, 10, 0)).toEqual([entry(now), entry(now - DAY)]);
      // One written late and already past the retention is dropped at once, and takes nothing with it.
      await store.append(subject, entry(now - 2.5 * DAY), 2 * DAY);
      expect(await store.list(subject, null, 10, 0)).toEqual([entry(now), entry(now - DAY)]);
      const bounded = `user:${rid()}`;
      for (let i = 0; i < AUDIT_MAX_ENTRIES + 5; i++) await store.append(bounded, entry(now - 100_000 + i), 90 * DAY);
      const kept = await store.list(bounded, null, AUDIT_MAX_ENTRIES + 10, 0);
      expect(kept).toHaveLength(AUDIT_MAX_ENTRIES);
      expect(kept.at(-1)).toEqual(entry(now - 100_000 + 5));
    });

    it("moves every entry of one subject to another (phone to user, user to tombstone), merging with what is there", async () => {
      const store = await make();
      const [from, to] = [`phone:${rid()}`, `user:${rid()}`];
      const now = Date.now();
      await store.append(from, entry(now - 2000, 0, "otp.failed"), 90 * DAY);
      await store.append(to, entry(now - 1000), 90 * DAY);
      await store.move(from, to, 90 * DAY);
      expect(await store.list(from, null, 10, 0)).toEqual([]);
      expect((await store.list(to, null, 10, 0)).map((e) => e.event)).toEqual(["otp.verified", "otp.failed"]);
      // Moving an empty subject changes nothing.
      await store.move(`phone:${rid()}`, to, 90 * DAY);
      expect(await store.list(to, null, 10, 0)).toHaveLength(2);
    });
  });
}
