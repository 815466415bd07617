import type { LineType, LineTypeCache } from "../../domain/line-type";
import { withDeadline } from "../../lib/deadline";

/** Embedded LineTypeCache on D1 (`line_types`, migration 0004). */
export class D1LineTypeCache implements LineTypeCache {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  get(phoneHash: string, now: number): Promise<LineType | null> {
    return withDeadline("line-type-cache", this.timeoutMs, async () => {
      const row = await this.db
        .prepare("SELECT line_type FROM line_types WHERE phone_hash = ?1 AND expires_at > ?2")
        .bind(phoneHash, now)
        .first<{ line_type: LineType }>();
      return row?.line_type ?? null;
    });
  }

  put(phoneHash: string, lineType: LineType, expiresAt: number, now: number): Promise<void> {
    return withDeadline("line-type-cache", this.timeoutMs, async () => {
      await this.db.batch([
        this.db
          .prepare("INSERT INTO line_types (phone_hash, line_type, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT(phone_hash) DO UPDATE SET line_type = ?2, expires_at = ?3")
          .bind(phoneHash, lineType, expiresAt),
        // Tidying on write keeps the table to live rows without a scheduled job (the index makes it cheap).
        this.db.prepare("DELETE FROM line_types WHERE expires_at <= ?1").bind(now),
      ]);
    });
  }
}
