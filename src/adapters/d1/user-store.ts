import type { PinAttempt, PinRecord, UserRecord, UserStore } from "../../domain/ports";
import { DEFAULT_PREFERENCES, type Preferences } from "../../domain/preferences";
import { randomId } from "../../lib/crypto";
import { withDeadline } from "../../lib/deadline";

interface UserRow {
  id: string;
  phone_hash: string;
  created_at: number;
  last_login_at: number | null;
  biometric_enabled: number;
  pin_enabled: number;
  pin_failures: number;
  last_country: string | null;
}

const COLUMNS = "id, phone_hash, created_at, last_login_at, biometric_enabled, pin_enabled, pin_failures, last_country";

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    phoneHash: row.phone_hash,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    biometricEnabled: row.biometric_enabled === 1,
    pinEnabled: row.pin_enabled === 1,
    pinFailures: row.pin_failures,
    lastCountry: row.last_country,
  };
}

/** Embedded UserStore on D1 (schema in migrations/d1). */
export class D1UserStore implements UserStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // The UNIQUE index on phone_hash settles races: of two concurrent first
      // sign-ins one insert wins, the other does nothing, and both read back
      // the same row.
      const id = randomId(16);
      const [insert, select] = await this.db.batch([
        this.db
          .prepare("INSERT INTO users (id, phone_hash, phone_ciphertext, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(phone_hash) DO NOTHING")
          .bind(id, phoneHash, phoneCiphertext, now),
        this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE phone_hash = ?1`).bind(phoneHash),
      ]);
      const row = (select!.results as UserRow[])[0];
      if (!row) throw new Error("user row missing after upsert");
      return { user: toUser(row), created: insert!.meta.changes === 1 && row.id === id };
    });
  }

  getById(id: string): Promise<UserRecord | null> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      const row = await this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?1`).bind(id).first<UserRow>();
      return row ? toUser(row) : null;
    });
  }

  recordLogin(id: string, now: number, country: string | null = null): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // An unknown country keeps the last known one.
      await this.db.prepare("UPDATE users SET last_login_at = ?2, pin_failures = 0, last_country = COALESCE(?3, last_country) WHERE id = ?1").bind(id, now, country).run();
    });
  }

  setPin(id: string, pin: PinRecord, _now: number): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      const result = await this.db
        .prepare("UPDATE users SET pin_record = ?2, pin_enabled = 1, pin_failures = 0 WHERE id = ?1")
        .bind(id, JSON.stringify(pin))
        .run();
      return result.meta.changes === 1;
    });
  }

  removePin(id: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      const result = await this.db
        .prepare("UPDATE users SET pin_record = NULL, pin_enabled = 0, pin_failures = 0 WHERE id = ?1 AND pin_enabled = 1")
        .bind(id)
        .run();
      return result.meta.changes === 1;
    });
  }

  countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // One conditional UPDATE counts and reads back (D1 runs one statement at
      // a time), so concurrent attempts cannot all pass a check made before
      // any of them wrote: the strict counter PIN-03 needs.
      const row = await this.db
        .prepare("UPDATE users SET pin_failures = pin_failures + 1 WHERE id = ?1 AND pin_enabled = 1 AND pin_failures < ?2 RETURNING pin_record, pin_failures")
        .bind(id, maxAttempts)
        .first<{ pin_record: string; pin_failures: number }>();
      if (row) return { status: "counted", record: JSON.parse(row.pin_record) as PinRecord, failuresBefore: row.pin_failures - 1 };
      const state = await this.db.prepare("SELECT pin_enabled FROM users WHERE id = ?1").bind(id).first<{ pin_enabled: number }>();
      return state?.pin_enabled === 1 ? { status: "locked" } : { status: "not_set" };
    });
  }

  clearPinFailures(id: string): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      await this.db.prepare("UPDATE users SET pin_failures = 0 WHERE id = ?1 AND pin_failures > 0").bind(id).run();
    });
  }

  phoneCiphertext(id: string): Promise<string | null> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      const row = await this.db.prepare("SELECT phone_ciphertext FROM users WHERE id = ?1").bind(id).first<{ phone_ciphertext: string }>();
      return row?.phone_ciphertext ?? null;
    });
  }

  preferences(id: string): Promise<Preferences | null> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      const row = await this.db.prepare("SELECT preferences FROM users WHERE id = ?1").bind(id).first<{ preferences: string | null }>();
      if (!row) return null;
      return row.preferences ? { ...DEFAULT_PREFERENCES, ...(JSON.parse(row.preferences) as Partial<Preferences>) } : DEFAULT_PREFERENCES;
    });
  }

  putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // Compare-and-set on the version: of two concurrent patches one lands, the other re-reads.
      const result = await this.db
        .prepare("UPDATE users SET preferences = ?2 WHERE id = ?1 AND COALESCE(json_extract(preferences, '$.version'), 0) = ?3")
        .bind(id, JSON.stringify(next), expectedVersion)
        .run();
      return result.meta.changes === 1;
    });
  }

  changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone"> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // One statement: the check that nobody holds the number and the move
      // cannot be split by another user claiming it (D1 runs one at a time;
      // the UNIQUE index would refuse the second anyway).
      const moved = await this.db
        .prepare("UPDATE users SET phone_hash = ?2, phone_ciphertext = ?3 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM users WHERE phone_hash = ?2)")
        .bind(id, phoneHash, phoneCiphertext)
        .run();
      if (moved.meta.changes === 1) return "changed";
      const exists = await this.db.prepare("SELECT 1 AS found FROM users WHERE id = ?1").bind(id).first();
      return exists ? "in_use" : "gone";
    });
  }

  staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // Key ids are [a-z0-9]: nothing in the pattern is a LIKE wildcard but the final %.
      const { results } = await this.db
        .prepare("SELECT id, phone_ciphertext FROM users WHERE phone_ciphertext NOT LIKE ?1 LIMIT ?2")
        .bind(`v1.${currentKeyId}.%`, limit)
        .all<{ id: string; phone_ciphertext: string }>();
      return results.map((r) => ({ id: r.id, ciphertext: r.phone_ciphertext }));
    });
  }

  replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // Compare-and-set: a phone change that wrote a new ciphertext meanwhile is kept.
      const result = await this.db.prepare("UPDATE users SET phone_ciphertext = ?3 WHERE id = ?1 AND phone_ciphertext = ?2").bind(id, expected, next).run();
      return result.meta.changes === 1;
    });
  }

  phoneHeld(phoneHash: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => (await this.db.prepare("SELECT 1 AS held FROM users WHERE phone_hash = ?1").bind(phoneHash).first()) !== null);
  }

  deleteUser(id: string): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      // Credentials go with the row (ON DELETE CASCADE, migration 0002; D1 enforces foreign keys).
      await this.db.prepare("DELETE FROM users WHERE id = ?1").bind(id).run();
    });
  }

  /**
   * Readiness: the schema a sign-in needs is there, checked without touching
   * a row. The SELECT names every column a sign-in reads; the INSERT is the
   * sign-in's own upsert over no rows (`WHERE 0`), which SQLite refuses to
   * prepare unless every column it writes exists and phone_hash carries the
   * UNIQUE constraint its ON CONFLICT needs (the race guard of first
   * sign-ins). Missing migrations fail here instead of at the first verify.
   */
  ping(): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, async () => {
      await this.db.batch([
        this.db.prepare(`SELECT ${COLUMNS}, phone_ciphertext, pin_record FROM users LIMIT 0`),
        this.db.prepare(
          "INSERT INTO users (id, phone_hash, phone_ciphertext, created_at) SELECT '', '', '', 0 WHERE 0 ON CONFLICT(phone_hash) DO NOTHING",
        ),
      ]);
    });
  }
}
