import type { DeliveryReceiptStore, DeliveryState, StoredReceipt } from "../../domain/delivery-receipts";
import { withDeadline } from "../../lib/deadline";

interface Row {
  status: string;
  state: DeliveryState;
  error_code: number | null;
  updated_at: number;
}

/** Embedded DeliveryReceiptStore on D1 (`delivery_receipts`, migration 0011). */
export class D1DeliveryReceiptStore implements DeliveryReceiptStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  record(messageId: string, r: StoredReceipt, expiresAt: number, now: number): Promise<boolean> {
    return withDeadline("delivery-receipts", this.timeoutMs, async () => {
      const [, upsert] = await this.db.batch<{ state: DeliveryState }>([
        // Tidying on write keeps the table to live rows; an expired receipt is no receipt.
        this.db.prepare("DELETE FROM delivery_receipts WHERE expires_at <= ?1").bind(now),
        // One statement decides, so of two callbacks racing only one finds the row pending:
        // a final row is left as it is and returns nothing.
        this.db
          .prepare(
            "INSERT INTO delivery_receipts (message_id, status, state, error_code, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) " +
              "ON CONFLICT(message_id) DO UPDATE SET status = excluded.status, state = excluded.state, error_code = excluded.error_code, " +
              "updated_at = excluded.updated_at, expires_at = excluded.expires_at WHERE delivery_receipts.state = 'pending' RETURNING state",
          )
          .bind(messageId, r.status, r.state, r.errorCode, r.updatedAt, expiresAt),
      ]);
      const state = upsert?.results[0]?.state;
      return state !== undefined && state !== "pending";
    });
  }

  get(messageId: string, now: number): Promise<StoredReceipt | null> {
    return withDeadline("delivery-receipts", this.timeoutMs, async () => {
      const row = await this.db
        .prepare("SELECT status, state, error_code, updated_at FROM delivery_receipts WHERE message_id = ?1 AND expires_at > ?2")
        .bind(messageId, now)
        .first<Row>();
      return row ? { status: row.status, state: row.state, errorCode: row.error_code, updatedAt: row.updated_at } : null;
    });
  }
}
