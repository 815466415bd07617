import type { Redis } from "@upstash/redis/cloudflare";
import { LOCKOUT_MEMORY_MS, MAX_LOCKOUT_MS } from "../../domain/phone-ledger";
import type { AttemptCounter, AttemptDecision, AttemptPolicy } from "../../domain/ports";
import { withDeadline } from "../../lib/deadline";

// One hash per phone, in the phone's hash slot like its codes (otp-ledger.ts).
const attemptsKey = (phoneHash: string): string => `attempts:{${phoneHash}}`;

// countAttempt (domain/phone-ledger.ts) in one script, so concurrent guesses
// cannot interleave a read and a write (OTP-13): Redis runs a script with
// nothing else between its commands. The constants come from the domain as
// arguments, so the two copies of the rule cannot drift apart silently (the
// contract suite also replays random sequences against countAttempt).
// A refusal writes nothing: knocking on a lockout never extends it (OTP-09).
// The key lives until forgetAt (+1 s) counted from the caller's `now` (a
// relative PEXPIRE): an absolute time would mix the Worker's clock with
// Redis's, and a skew between them would end lockouts early.
// KEYS[1]: the hash. ARGV: now, maxAttempts, lockoutMs, windowMs, MAX_LOCKOUT_MS, LOCKOUT_MEMORY_MS.
// Returns {1, attemptsRemaining} or {0, retryAfterMs}.
const ACQUIRE = `
local now = tonumber(ARGV[1])
local maxAttempts = tonumber(ARGV[2])
local lockoutMs = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local maxLockout = tonumber(ARGV[5])
local memory = tonumber(ARGV[6])
local s = redis.call('HMGET', KEYS[1], 'count', 'lastAt', 'lockedUntil', 'lockouts')
local count = tonumber(s[1] or '0')
local lastAt = tonumber(s[2] or '0')
local lockedUntil = tonumber(s[3] or '0')
local lockouts = tonumber(s[4] or '0')
if lockedUntil > now then return {0, lockedUntil - now} end
local fresh = lockedUntil ~= 0 or now - lastAt > windowMs
local before = lockouts
if now - math.max(lastAt, lockedUntil) > memory then before = 0 end
local c = 1
if not fresh then c = count + 1 end
local untilAt = 0
local runs = before
if c >= maxAttempts then
  untilAt = now + math.min(maxLockout, lockoutMs * 2 ^ math.min(before, 16))
  runs = before + 1
end
local forgetAt = math.max(untilAt, now + windowMs)
if runs > 0 then forgetAt = math.max(forgetAt, math.max(untilAt, now) + memory) end
local f = function(n) return string.format('%.0f', n) end
redis.call('HSET', KEYS[1], 'count', c, 'lastAt', f(now), 'lockedUntil', f(untilAt), 'lockouts', runs, 'forgetAt', f(forgetAt))
redis.call('PEXPIRE', KEYS[1], f(forgetAt - now + 1000))
return {1, math.max(0, maxAttempts - c)}
`;

/**
 * Strict per-phone attempt counter in Redis (`ATTEMPT_COUNTER_STORE=redis`): for
 * self-hosted runs of the production profile, where a Durable Object would
 * live in one workerd process and replicas would each count on their own.
 * On Cloudflare the Durable Object stays the default. Same contract suite
 * as the Durable Object (test/contracts/attempt-counter.contract.ts).
 */
export class UpstashAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  acquire(phoneHash: string, policy: AttemptPolicy, now: number): Promise<AttemptDecision> {
    return withDeadline("attempt-counter", this.timeoutMs, async (): Promise<AttemptDecision> => {
      const args = [now, policy.maxAttempts, policy.lockoutMs, policy.windowMs, MAX_LOCKOUT_MS, LOCKOUT_MEMORY_MS].map(String);
      const [allowed, value] = (await this.redis.eval(ACQUIRE, [attemptsKey(phoneHash)], args)) as [number, number];
      return allowed === 1 ? { allowed: true, attemptsRemaining: Number(value) } : { allowed: false, retryAfterMs: Number(value) };
    });
  }

  reset(phoneHash: string): Promise<void> {
    return withDeadline("attempt-counter", this.timeoutMs, async () => {
      await this.redis.del(attemptsKey(phoneHash));
    });
  }

  erase(phoneHash: string): Promise<void> {
    return this.reset(phoneHash);
  }

  lockedFor(phoneHash: string, now: number): Promise<number> {
    return withDeadline("attempt-counter", this.timeoutMs, async (): Promise<number> => {
      const lockedUntil = Number((await this.redis.hget<string | number>(attemptsKey(phoneHash), "lockedUntil")) ?? 0);
      return lockedUntil > now ? lockedUntil - now : 0;
    });
  }
}
