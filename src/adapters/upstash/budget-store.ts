import type { Redis } from "@upstash/redis/cloudflare";
import type { BudgetRule, BudgetStore, ChargeResult } from "../../domain/budgets";
import { withDeadline } from "../../lib/deadline";

const key = (k: string): string => `budget:${k}`;

// KEYS: the block key, the rule keys, then the watched keys. ARGV: the number
// of rules, each rule's limit (-1: none) and resetAt, then now. One script, so a
// charge is all-or-none and exact under concurrency (FRAUD-03). Counters
// expire at their window's end (PXAT); the Worker's clock sets both.
const CHARGE = `
local n = tonumber(ARGV[1])
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > tonumber(ARGV[2 * n + 2]) then return {'blocked', blocked} end
local current = {}
for i = 1, n do
  current[i] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  local limit = tonumber(ARGV[2 * i])
  if limit >= 0 and current[i] >= limit then return {'over', i - 1} end
end
local out = {'charged'}
for i = 1, n do
  local c = redis.call('INCR', KEYS[i + 1])
  redis.call('PEXPIREAT', KEYS[i + 1], ARGV[2 * i + 1])
  out[#out + 1] = c
end
for i = n + 2, #KEYS do
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
return out
`;

// Takes back one unit, never below zero, keeping each counter's expiry.
const REFUND = `
for i = 1, #KEYS do
  local c = tonumber(redis.call('GET', KEYS[i]) or '0')
  if c > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

const BUMP = `
redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

/** Production BudgetStore: `budget:{key}` integer counters (docs/storage.md). */
export class UpstashBudgetStore implements BudgetStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  charge(rules: BudgetRule[], blockKey: string, watch: string[], now: number): Promise<ChargeResult> {
    return withDeadline("budget-store", this.timeoutMs, async () => {
      const args = [String(rules.length), ...rules.flatMap((r) => [String(Number.isFinite(r.limit) ? r.limit : -1), String(r.resetAt)]), String(now)];
      const out = (await this.redis.eval(CHARGE, [key(blockKey), ...rules.map((r) => key(r.key)), ...watch.map(key)], args)) as (string | number)[];
      if (out[0] === "blocked") return { status: "blocked", until: Number(out[1]) };
      if (out[0] === "over") return { status: "over", index: Number(out[1]) };
      const values = out.slice(1).map(Number);
      return { status: "charged", counts: values.slice(0, rules.length), watched: values.slice(rules.length) };
    });
  }

  refund(rules: BudgetRule[]): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, async () => {
      await this.redis.eval(REFUND, rules.map((r) => key(r.key)), []);
    });
  }

  bump(k: string, resetAt: number): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, async () => {
      await this.redis.eval(BUMP, [key(k)], [String(resetAt)]);
    });
  }

  block(k: string, until: number): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, async () => {
      // The value is the block's end, so the Worker's clock decides, like every other expiry.
      await this.redis.set(key(k), String(until), { pxat: until });
    });
  }
}
