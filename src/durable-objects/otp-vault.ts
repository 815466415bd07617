import { DurableObject } from "cloudflare:workers";
import { scheduleExpiry, sweepExpired } from "./expiry";
import type { OtpPurpose, OtpRecord } from "../domain/ports";

const key = (purpose: OtpPurpose): string => `otp:${purpose}`;

/**
 * Embedded-profile code store: one instance per phone hash, holding at most
 * one digest per purpose. Reads and writes are synchronous, so `consume` is
 * an atomic compare-and-delete. An alarm at the earliest expiry deletes
 * expired digests, so nothing outlives its TTL at rest (OTP-03).
 */
export class OtpVault extends DurableObject {
  async put(purpose: OtpPurpose, record: OtpRecord): Promise<void> {
    this.ctx.storage.kv.put(key(purpose), record);
    await scheduleExpiry(this.ctx.storage, "otp:");
  }

  get(purpose: OtpPurpose, now: number): OtpRecord | null {
    const record = this.ctx.storage.kv.get<OtpRecord>(key(purpose));
    return record && record.expiresAt > now ? record : null;
  }

  consume(purpose: OtpPurpose, digest: string, now: number): boolean {
    const record = this.ctx.storage.kv.get<OtpRecord>(key(purpose));
    // Equality here compares two stored digests, not a guess against a
    // secret; the constant-time check of the guess happens in the domain.
    if (!record || record.expiresAt <= now || record.digest !== digest) return false;
    this.ctx.storage.kv.delete(key(purpose));
    return true;
  }

  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  /** Test helper: the alarm time, proving stored codes carry a TTL. */
  async alarmAt(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  override async alarm(): Promise<void> {
    await sweepExpired(this.ctx.storage, "otp:", Date.now());
  }
}
