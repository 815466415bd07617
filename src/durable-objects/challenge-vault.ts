import { DurableObject } from "cloudflare:workers";
import type { ChallengeRecord } from "../domain/biometric-ports";
import { scheduleExpiry, sweepExpired } from "./expiry";

const PREFIX = "challenge:";

/**
 * Embedded-profile store of ceremony challenges (passkeys, device keys).
 * Challenges are spread over a few instances by their id (see the adapter);
 * each instance runs one call at a time, so a take is atomic: of concurrent
 * takes of one challenge exactly one gets it (BIO-01). An alarm at the
 * earliest expiry deletes what ran out.
 */
export class ChallengeVault extends DurableObject {
  async put(id: string, record: ChallengeRecord): Promise<void> {
    this.ctx.storage.kv.put(PREFIX + id, record);
    const alarm = await this.ctx.storage.getAlarm();
    // Only move the alarm earlier; a sweep re-arms it for what remains.
    if (alarm === null || record.expiresAt < alarm) await scheduleExpiry(this.ctx.storage, PREFIX);
  }

  take(id: string, now: number): ChallengeRecord | null {
    const record = this.ctx.storage.kv.get<ChallengeRecord>(PREFIX + id);
    if (!record) return null;
    // Deleted whether live or not: a challenge is never answered twice.
    this.ctx.storage.kv.delete(PREFIX + id);
    return record.expiresAt > now ? record : null;
  }

  override async alarm(): Promise<void> {
    await sweepExpired(this.ctx.storage, PREFIX, Date.now());
  }
}
