import type { OtpPurpose, OtpRecord, OtpStore } from "../../domain/ports";
import type { OtpVault } from "../../durable-objects/otp-vault";
import { withDeadline } from "../../lib/deadline";

/** Embedded OtpStore: one OtpVault Durable Object per phone hash. */
export class DurableOtpStore implements OtpStore {
  constructor(
    private readonly ns: DurableObjectNamespace<OtpVault>,
    private readonly timeoutMs: number,
  ) {}

  private stub(phoneHash: string): DurableObjectStub<OtpVault> {
    return this.ns.get(this.ns.idFromName(phoneHash));
  }

  put(phoneHash: string, purpose: OtpPurpose, record: OtpRecord): Promise<void> {
    return withDeadline("otp-store", this.timeoutMs, () => this.stub(phoneHash).put(purpose, record));
  }

  get(phoneHash: string, purpose: OtpPurpose, now: number): Promise<OtpRecord | null> {
    return withDeadline("otp-store", this.timeoutMs, () => this.stub(phoneHash).get(purpose, now));
  }

  consume(phoneHash: string, purpose: OtpPurpose, digest: string, now: number): Promise<boolean> {
    return withDeadline("otp-store", this.timeoutMs, () => this.stub(phoneHash).consume(purpose, digest, now));
  }

  clear(phoneHash: string): Promise<void> {
    return withDeadline("otp-store", this.timeoutMs, () => this.stub(phoneHash).clear());
  }
}
