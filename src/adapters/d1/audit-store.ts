import { AUDIT_MAX_ENTRIES, type AuditEntry, type AuditStore } from "../../domain/audit";
import { withDeadline } from "../../lib/deadline";

/** AuditStore on D1 (`audit_events`, migration 0009): the embedded profile's. */
export class D1AuditStore implements AuditStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  append(subject: string, entry: AuditEntry, retentionMs: number): Promise<void> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      await this.db.batch([
        this.db.prepare("INSERT OR IGNORE INTO audit_events (subject, seq, entry, expires_at) VALUES (?1, ?2, ?3, ?4)").bind(subject, entry.seq, JSON.stringify(entry), entry.at + retentionMs),
        // Retention: this subject's old entries, and a few expired rows of any subject (so no write grows with the table).
        // Counted from the subject's newest entry, so one written late cannot keep older ones.
        this.db.prepare("DELETE FROM audit_events WHERE subject = ?1 AND seq < (SELECT MAX(seq) FROM audit_events WHERE subject = ?1) - ?2").bind(subject, retentionMs * 1000),
        this.db.prepare("DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE expires_at <= ?1 LIMIT 100)").bind(entry.at),
        // The bound per subject.
        this.db
          .prepare("DELETE FROM audit_events WHERE subject = ?1 AND seq < (SELECT seq FROM audit_events WHERE subject = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)")
          .bind(subject, AUDIT_MAX_ENTRIES - 1),
      ]);
    });
  }

  list(subject: string, before: number | null, limit: number, notBefore: number): Promise<AuditEntry[]> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      const { results } = await this.db
        .prepare("SELECT entry FROM audit_events WHERE subject = ?1 AND seq < ?2 AND seq >= ?3 ORDER BY seq DESC LIMIT ?4")
        .bind(subject, before ?? Number.MAX_SAFE_INTEGER, notBefore * 1000, limit)
        .all<{ entry: string }>();
      return results.map((r) => JSON.parse(r.entry) as AuditEntry);
    });
  }

  move(from: string, to: string): Promise<void> {
    return withDeadline("audit-store", this.timeoutMs, async () => {
      // OR REPLACE: a seq already in `to` (never in practice: random tiebreak) cannot block the move.
      await this.db.prepare("UPDATE OR REPLACE audit_events SET subject = ?2 WHERE subject = ?1").bind(from, to).run();
    });
  }
}
