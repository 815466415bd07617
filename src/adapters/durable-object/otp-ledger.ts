import type { AttemptPolicy, CheckOutcome, IssueOutcome, IssuePolicy, OtpLedger, OtpPurpose, OtpRecord } from "../../domain/ports";
import type { PhoneLedger } from "../../durable-objects/phone-ledger";
import { randomId } from "../../lib/crypto";
import { withDeadline } from "../../lib/deadline";

/**
 * Embedded OtpLedger: one PhoneLedger Durable Object per phone hash, one call
 * per step. A check answers in one round trip; `onMatch` starts after it.
 */
export class DurableOtpLedger implements OtpLedger {
  constructor(
    private readonly ns: DurableObjectNamespace<PhoneLedger>,
    private readonly timeoutMs: number,
  ) {}

  private stub(phoneHash: string): DurableObjectStub<PhoneLedger> {
    return this.ns.get(this.ns.idFromName(phoneHash));
  }

  issue(phoneHash: string, purpose: OtpPurpose, digest: string, policy: IssuePolicy, now: number): Promise<IssueOutcome> {
    return withDeadline("otp-ledger", this.timeoutMs, async (): Promise<IssueOutcome> => await this.stub(phoneHash).issue(purpose, digest, randomId(12), policy, now));
  }

  withdraw(phoneHash: string, purpose: OtpPurpose, ticket: string, now: number): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, () => this.stub(phoneHash).withdraw(purpose, ticket, now));
  }

  async check<T>(
    phoneHash: string,
    purpose: OtpPurpose,
    guessDigest: string,
    policy: AttemptPolicy,
    now: number,
    onMatch: () => Promise<T>,
  ): Promise<CheckOutcome<T>> {
    const step = await withDeadline("otp-ledger", this.timeoutMs, async () => await this.stub(phoneHash).check(purpose, guessDigest, policy, now));
    if (step.status === "no_code") return { status: "no_code", reason: "no_live_code" };
    if (step.status !== "verified") return step;
    // The same call consumed the code and forgot the failures: nothing to follow up.
    return { status: "verified", record: step.record, matched: onMatch(), followUp: null };
  }

  restore(phoneHash: string, purpose: OtpPurpose, record: OtpRecord, now: number): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, () => this.stub(phoneHash).restore(purpose, record, now));
  }

  erase(phoneHash: string): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, () => this.stub(phoneHash).erase());
  }

  ping(): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, async () => {
      await this.stub("readyz-probe").ping();
    });
  }
}
