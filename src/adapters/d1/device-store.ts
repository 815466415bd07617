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

/** DeviceStore on D1 (`devices`, migration 0005), in every build. */
export class D1DeviceStore implements DeviceStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  get(id: string, now: number): Promise<DeviceRecord | null> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      const row = await this.db.prepare("SELECT * FROM devices WHERE id = ?1 AND expires_at > ?2").bind(id, now).first<Row>();
      return row
        ? { id: row.id, userId: row.user_id, phoneHash: row.phone_hash, secretHash: row.secret_hash, createdAt: row.created_at, lastUsedAt: row.last_used_at, expiresAt: row.expires_at }
        : null;
    });
  }

  create(r: DeviceRecord): Promise<void> {
    return withDeadline("device-store", this.timeoutMs, async () => {
      await this.db.batch([
        this.db
          .prepare("INSERT INTO devices (id, user_id, phone_hash, secret_hash, created_at, last_used_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
          .bind(r.id, r.userId, r.phoneHash, r.secretHash, r.createdAt, r.lastUsedAt, r.expiresAt),
        // Tidying on write keeps the table to live rows without a scheduled job.
        this.db.prepare("DELETE FROM devices WHERE expires_at <= ?1").bind(r.createdAt),
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
}
