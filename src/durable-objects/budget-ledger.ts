import { DurableObject } from "cloudflare:workers";
import type { BudgetRule, ChargeResult } from "../domain/budgets";

const PREFIX = "c:";

interface Counter {
  count: number;
  expiresAt: number;
}

/**
 * Embedded-profile SMS budgets (src/domain/budgets.ts): one instance holds
 * every counter, because the global daily budget is one counter for all
 * sends. Each method reads and writes with the synchronous KV API and awaits
 * nothing in between, so a charge is all-or-none and exact under
 * concurrency (FRAUD-03). An alarm at the earliest expiry sweeps counters
 * whose window ended.
 */
export class BudgetLedger extends DurableObject {
  private read(key: string, now: number): number {
    const c = this.ctx.storage.kv.get<Counter>(PREFIX + key);
    return c && c.expiresAt > now ? c.count : 0;
  }

  async charge(rules: BudgetRule[], blockKey: string, watch: string[], now: number): Promise<ChargeResult> {
    const block = this.ctx.storage.kv.get<Counter>(PREFIX + blockKey);
    if (block && block.expiresAt > now) return { status: "blocked", until: block.expiresAt };
    const current = rules.map((r) => this.read(r.key, now));
    const over = rules.findIndex((r, i) => current[i]! >= r.limit);
    if (over !== -1) return { status: "over", index: over };
    const counts = rules.map((r, i) => {
      const count = current[i]! + 1;
      this.ctx.storage.kv.put(PREFIX + r.key, { count, expiresAt: r.resetAt });
      return count;
    });
    const watched = watch.map((k) => this.read(k, now));
    // No rules: a read of the watched counters (the conversion guard's).
    if (rules.length > 0) await this.arm(Math.min(...rules.map((r) => r.resetAt)));
    return { status: "charged", counts, watched };
  }

  refund(rules: BudgetRule[], now: number): void {
    for (const r of rules) {
      const count = this.read(r.key, now);
      if (count > 0) this.ctx.storage.kv.put(PREFIX + r.key, { count: count - 1, expiresAt: r.resetAt });
    }
  }

  async bump(key: string, resetAt: number, now: number): Promise<void> {
    this.ctx.storage.kv.put(PREFIX + key, { count: this.read(key, now) + 1, expiresAt: resetAt });
    await this.arm(resetAt);
  }

  async block(key: string, until: number): Promise<void> {
    this.ctx.storage.kv.put(PREFIX + key, { count: 1, expiresAt: until });
    await this.arm(until);
  }

  private async arm(at: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || at < alarm) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const [key, c] of this.ctx.storage.kv.list<Counter>({ prefix: PREFIX })) {
      if (c.expiresAt <= now) this.ctx.storage.kv.delete(key);
      else next = Math.min(next, c.expiresAt);
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }
}
