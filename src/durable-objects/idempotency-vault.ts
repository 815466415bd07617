import { DurableObject } from "cloudflare:workers";
import { judgeClaim, type IdempotencyClaim, type IdempotencyRecord, type IdempotentAnswer } from "../domain/idempotency";
import { scheduleExpiry, sweepExpired } from "./expiry";

const PREFIX = "idem:";

/**
 * Embedded-profile store of Idempotency-Key records, spread over a few
 * instances by key id (see the adapter). Each instance runs one call at a
 * time and every method reads and writes without yielding, so a claim is
 * atomic: of concurrent retries with one key, one runs (FRAUD-07). An alarm
 * at the earliest expiry deletes what ran out.
 */
export class IdempotencyVault extends DurableObject {
  async claim(id: string, fingerprint: string, now: number, pendingMs: number): Promise<IdempotencyClaim> {
    const verdict = judgeClaim(this.ctx.storage.kv.get<IdempotencyRecord>(PREFIX + id) ?? null, fingerprint, now);
    if (verdict.status !== "claimed") return verdict;
    const record: IdempotencyRecord = { fingerprint, state: "pending", answer: null, expiresAt: now + pendingMs };
    this.ctx.storage.kv.put(PREFIX + id, record);
    await this.armAlarm(record.expiresAt);
    return verdict;
  }

  async complete(id: string, fingerprint: string, answer: IdempotentAnswer, expiresAt: number, now: number): Promise<void> {
    const record = this.ctx.storage.kv.get<IdempotencyRecord>(PREFIX + id);
    // Only the claim that is still pending may complete (a late answer after the claim lapsed and was taken over is dropped).
    if (!record || record.state !== "pending" || record.fingerprint !== fingerprint || record.expiresAt <= now) return;
    this.ctx.storage.kv.put(PREFIX + id, { ...record, state: "done", answer, expiresAt });
    await scheduleExpiry(this.ctx.storage, PREFIX);
  }

  release(id: string, fingerprint: string): void {
    const record = this.ctx.storage.kv.get<IdempotencyRecord>(PREFIX + id);
    if (record && record.state === "pending" && record.fingerprint === fingerprint) this.ctx.storage.kv.delete(PREFIX + id);
  }

  private async armAlarm(expiresAt: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || expiresAt < alarm) await this.ctx.storage.setAlarm(expiresAt);
  }

  override async alarm(): Promise<void> {
    await sweepExpired(this.ctx.storage, PREFIX, Date.now());
  }
}
