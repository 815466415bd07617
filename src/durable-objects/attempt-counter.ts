import { DurableObject } from "cloudflare:workers";
import type { AttemptDecision, AttemptPolicy } from "../domain/ports";

interface CounterState {
  /** Attempts counted since the last success, lockout end or quiet window. */
  count: number;
  /** When the latest attempt was counted. */
  lastAt: number;
  /** While now < lockedUntil every attempt is refused. 0 when not locked. */
  lockedUntil: number;
}

const KEY = "state";

/**
 * Strict per-phone attempt counter, one instance per phone hash, used by both
 * profiles. Every method reads and writes with the synchronous SQLite-backed
 * KV API and awaits nothing in between, so concurrent calls cannot
 * interleave inside a check-and-increment (OTP-13).
 */
export class AttemptCounter extends DurableObject {
  /** Counts one attempt, or refuses it while locked. */
  async acquire(policy: AttemptPolicy, now: number): Promise<AttemptDecision> {
    const kv = this.ctx.storage.kv;
    let state = kv.get<CounterState>(KEY) ?? { count: 0, lastAt: 0, lockedUntil: 0 };
    if (state.lockedUntil > now) {
      // Refused attempts are not written: a lockout is never extended by
      // knocking on it (OTP-09).
      return { allowed: false, retryAfterMs: state.lockedUntil - now };
    }
    if (state.lockedUntil !== 0 || now - state.lastAt > policy.windowMs) {
      state = { count: 0, lastAt: 0, lockedUntil: 0 };
    }
    const count = state.count + 1;
    const lockedUntil = count >= policy.maxAttempts ? now + policy.lockoutMs : 0;
    kv.put<CounterState>(KEY, { count, lastAt: now, lockedUntil });
    // Everything above ran without yielding. The alarm only tidies storage
    // once the state can no longer matter.
    await this.ctx.storage.setAlarm(Math.max(lockedUntil, now + policy.windowMs) + 1000);
    return { allowed: true, attemptsRemaining: Math.max(0, policy.maxAttempts - count) };
  }

  async reset(): Promise<void> {
    this.ctx.storage.kv.delete(KEY);
    await this.ctx.storage.deleteAlarm();
  }

  /** Milliseconds until the lockout ends; 0 when not locked. Writes nothing. */
  lockedFor(now: number): number {
    const state = this.ctx.storage.kv.get<CounterState>(KEY);
    return state && state.lockedUntil > now ? state.lockedUntil - now : 0;
  }

  /** Test and ops helper: the raw state. */
  peek(): CounterState | null {
    return this.ctx.storage.kv.get<CounterState>(KEY) ?? null;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
