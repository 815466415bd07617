import { DurableObject } from "cloudflare:workers";
import { countAttempt, lockoutLeft, NO_ATTEMPTS, type Attempts } from "../domain/phone-ledger";
import type { AttemptDecision, AttemptPolicy } from "../domain/ports";

const KEY = "state";

/**
 * Strict per-phone attempt counter of the production (Upstash) profile, one
 * instance per phone hash, on the same attempt rule as the embedded
 * PhoneLedger (countAttempt). Every method reads and writes with the
 * synchronous SQLite-backed KV API and awaits nothing in between, so
 * concurrent calls cannot interleave inside a check-and-increment (OTP-13).
 */
export class AttemptCounter extends DurableObject {
  private load(): Attempts {
    // Records written before forgetAt existed lack it: only the alarm reads it, and the next count sets it.
    return { ...NO_ATTEMPTS, ...this.ctx.storage.kv.get<Attempts>(KEY) };
  }

  /** Counts one attempt, or refuses it while locked. */
  async acquire(policy: AttemptPolicy, now: number): Promise<AttemptDecision> {
    const { decision, attempts } = countAttempt(this.load(), policy, now);
    // A refusal changes nothing, so nothing is written.
    if (!decision.allowed) return decision;
    this.ctx.storage.kv.put(KEY, attempts);
    // Everything above ran without yielding. The alarm only tidies storage
    // once the state can no longer matter.
    await this.ctx.storage.setAlarm(attempts.forgetAt + 1000);
    return decision;
  }

  async reset(): Promise<void> {
    this.ctx.storage.kv.delete(KEY);
    await this.ctx.storage.deleteAlarm();
  }

  /** An account erasure: nothing about the phone stays. */
  async erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Milliseconds until the lockout ends; 0 when not locked. Writes nothing. */
  lockedFor(now: number): number {
    return lockoutLeft(this.load(), now);
  }

  /** Test and ops helper: the raw state. */
  peek(): Attempts | null {
    return this.ctx.storage.kv.get<Attempts>(KEY) ?? null;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
