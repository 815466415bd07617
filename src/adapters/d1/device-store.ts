import type { DeviceRecord, DeviceStore } from "../../domain/devices";
import { withDeadline } from "../../lib/deadline";

interface Row {
  id: string;
  user_id: string;
  phone_hash: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

const record = (row: Row): DeviceRecord => ({
  id: row.id,
  userId: row.user_id,
  phoneHash: row.phone_hash,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
});

/** DeviceStore on D1 (`devices`, migrations 0005 and 0007): the embedded profile's, and any build without Upstash. */
export class D1DeviceStore implements DeviceStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  get(id: string, now: number): Promise<DeviceRecord | null> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const row = await this.db.prepare("SELECT * FROM devices WHERE id = ?1 AND expires_at > ?2").bind(id, now).first<Row>();
      return row ? record(row) : null;
    });
  }

  create(r: DeviceRecord, maxPerUser: number): Promise<void> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      // One batch is one transaction: the cap holds however many sign-ins race.
      await this.db.batch([
        this.db
          .prepare("INSERT INTO devices (id, user_id, phone_hash, secret_hash, created_at, last_used_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
          .bind(r.id, r.userId, r.phoneHash, r.secretHash, r.createdAt, r.lastUsedAt, r.expiresAt),
        // Tidying on write keeps the table to live rows without a scheduled job.
        this.db.prepare("DELETE FROM devices WHERE expires_at <= ?1").bind(r.createdAt),
        // The cap (MAX_DEVICES_PER_USER): the least recently used beyond it are forgotten.
        this.db
          .prepare("DELETE FROM devices WHERE user_id = ?1 AND id NOT IN (SELECT id FROM devices WHERE user_id = ?1 ORDER BY last_used_at DESC, id = ?2 DESC LIMIT ?3)")
          .bind(r.userId, r.id, maxPerUser),
      ]);
    });
  }

  rotate(id: string, expectedSecretHash: string, newSecretHash: string, now: number, expiresAt: number): Promise<boolean> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      // Compare-and-set: of two sign-ins presenting one token, one rotates it.
      const result = await this.db
        .prepare("UPDATE devices SET secret_hash = ?3, last_used_at = ?4, expires_at = ?5 WHERE id = ?1 AND secret_hash = ?2 AND expires_at > ?4")
        .bind(id, expectedSecretHash, newSecretHash, now, expiresAt)
        .run();
      return result.meta.changes === 1;
    });
  }

  listForUser(userId: string, now: number): Promise<DeviceRecord[]> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const { results } = await this.db.prepare("SELECT * FROM devices WHERE user_id = ?1 AND expires_at > ?2 ORDER BY last_used_at DESC").bind(userId, now).all<Row>();
      return results.map(record);
    });
  }

  revokeAllForUser(userId: string, keepId: string | null, now: number): Promise<number> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const [live] = await this.db.batch([
        this.db.prepare("DELETE FROM devices WHERE user_id = ?1 AND id != ?2 AND expires_at > ?3").bind(userId, keepId ?? "", now),
        this.db.prepare("DELETE FROM devices WHERE user_id = ?1 AND id != ?2").bind(userId, keepId ?? ""),
      ]);
      return live?.meta.changes ?? 0;
    });
  }
}
