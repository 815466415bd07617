import type { ErasureJob, ErasureJournal } from "../../domain/erasure";
import { withDeadline } from "../../lib/deadline";

interface Row {
  user_id: string;
  phone_hash: string;
  tombstone_id: string;
  started_at: number;
  attempts: number;
}

/** ErasureJournal on D1 (`erasures`, migration 0008): the embedded profile's. */
export class D1ErasureJournal implements ErasureJournal {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  open(job: ErasureJob): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      await this.db
        .prepare("INSERT INTO erasures (user_id, phone_hash, tombstone_id, started_at, attempts) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(user_id) DO NOTHING")
        .bind(job.userId, job.phoneHash, job.tombstoneId, job.startedAt, job.attempts)
        .run();
    });
  }

  pending(startedBefore: number, limit: number): Promise<ErasureJob[]> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      const { results } = await this.db.prepare("SELECT * FROM erasures WHERE started_at <= ?1 ORDER BY started_at LIMIT ?2").bind(startedBefore, limit).all<Row>();
      return results.map((r) => ({ userId: r.user_id, phoneHash: r.phone_hash, tombstoneId: r.tombstone_id, startedAt: r.started_at, attempts: r.attempts }));
    });
  }

  failed(userId: string): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      await this.db.prepare("UPDATE erasures SET attempts = attempts + 1 WHERE user_id = ?1").bind(userId).run();
    });
  }

  close(userId: string): Promise<void> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      await this.db.prepare("DELETE FROM erasures WHERE user_id = ?1").bind(userId).run();
    });
  }

  count(): Promise<number> {
    return withDeadline("erasure-journal", this.timeoutMs, async () => {
      return (await this.db.prepare("SELECT COUNT(*) AS n FROM erasures").first<{ n: number }>())?.n ?? 0;
    });
  }
}
