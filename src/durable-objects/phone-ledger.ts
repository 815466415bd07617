import { DurableObject } from "cloudflare:workers";
import {
  checkCode,
  emptyLedger,
  issueCode,
  nextWakeAt,
  restoreCode,
  sweepLedger,
  withdrawCode,
  type CheckStep,
  type LedgerState,
} from "../domain/phone-ledger";
import type { AttemptPolicy, IssueOutcome, IssuePolicy, OtpPurpose, OtpRecord } from "../domain/ports";

const KEY = "state";

/**
 * Embedded-profile ledger: one instance per phone hash holding its pending
 * codes, its sends of the last hour and its attempt counter, so each step of
 * a sign-in is one call. Every method reads, decides and writes with the
 * synchronous SQLite-backed KV API and awaits nothing before the write, so
 * concurrent calls cannot interleave inside a step (OTP-05, OTP-06, OTP-13).
 * An alarm at the state's next change deletes expired codes (OTP-03) and
 * whatever else no longer matters.
 */
export class PhoneLedger extends DurableObject {
  private load(): LedgerState {
    return { ...emptyLedger(), ...this.ctx.storage.kv.get<LedgerState>(KEY) };
  }

  /** Writes the state (or deletes it when empty) and points the alarm at its next change. */
  private async save(state: LedgerState): Promise<void> {
    const wake = nextWakeAt(state);
    if (wake === null) {
      this.ctx.storage.kv.delete(KEY);
      await this.ctx.storage.deleteAlarm();
    } else {
      this.ctx.storage.kv.put(KEY, state);
      await this.ctx.storage.setAlarm(wake);
    }
  }

  async issue(purpose: OtpPurpose, digest: string, ticket: string, policy: IssuePolicy, now: number): Promise<IssueOutcome> {
    const state = this.load();
    const outcome = issueCode(state, purpose, digest, ticket, policy, now);
    // A refusal may have pruned old sends; saving it keeps storage small.
    await this.save(state);
    return outcome;
  }

  async withdraw(purpose: OtpPurpose, ticket: string, now: number): Promise<void> {
    const state = this.load();
    withdrawCode(state, purpose, ticket, now);
    await this.save(state);
  }

  async check(purpose: OtpPurpose, guess: string, policy: AttemptPolicy, now: number): Promise<CheckStep> {
    const state = this.load();
    const step = checkCode(state, purpose, guess, policy, now);
    // A refused attempt changes nothing: no write at all.
    if (step.status !== "locked") await this.save(state);
    return step;
  }

  async restore(purpose: OtpPurpose, record: OtpRecord, now: number): Promise<void> {
    const state = this.load();
    restoreCode(state, purpose, record, now);
    await this.save(state);
  }

  /** An account erasure: codes, sends, attempts and lockouts of this key are forgotten. */
  async erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Readiness probe: proves the namespace answers and its storage reads. */
  ping(): true {
    this.ctx.storage.kv.get(KEY);
    return true;
  }

  /** Test and ops helper: the raw state, or null. */
  peek(): LedgerState | null {
    return this.ctx.storage.kv.get<LedgerState>(KEY) ?? null;
  }

  /** Test helper: the alarm time, proving stored state carries a TTL. */
  async alarmAt(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  override async alarm(): Promise<void> {
    const state = this.load();
    sweepLedger(state, Date.now());
    await this.save(state);
  }
}
