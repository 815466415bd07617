import type { Redis } from "@upstash/redis/cloudflare";
import { HOUR_MS } from "../../domain/phone-ledger";
import type {
  AttemptCounter,
  AttemptPolicy,
  CheckOutcome,
  IssueOutcome,
  IssuePolicy,
  IssueRefusal,
  OtpLedger,
  OtpPurpose,
  OtpRecord,
} from "../../domain/ports";
import { OTP_PURPOSES } from "../../domain/ports";
import { constantTimeEqual, randomId } from "../../lib/crypto";
import { withDeadline } from "../../lib/deadline";
import { parseStored } from "./client";

// One hash tag per phone, so a step's keys share a slot on a clustered Redis.
const codeKey = (phoneHash: string, purpose: OtpPurpose): string => `otp:{${phoneHash}}:${purpose}`;
const replacedKey = (phoneHash: string, purpose: OtpPurpose): string => `otp:{${phoneHash}}:${purpose}:replaced`;
const sendsKey = (phoneHash: string): string => `otp:{${phoneHash}}:sends`;
const keys = (phoneHash: string, purpose: OtpPurpose): string[] => [codeKey(phoneHash, purpose), sendsKey(phoneHash), replacedKey(phoneHash, purpose)];

// Issue in one script: the cooldown and the hourly quota (an exact sliding
// log of send times) are checked and the code stored atomically, so
// concurrent requests cannot overrun a quota, and a refused request never
// replaces the pending code. The code it replaces is kept for a withdraw.
// Same rules as issueCode in domain/phone-ledger.
const ISSUE = `
local now = tonumber(ARGV[1])
local cooldown = tonumber(ARGV[2])
local hour = tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - hour)
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) + cooldown > now then
  return {0, 'resend_cooldown', tonumber(newest[2]) + cooldown - now}
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, 'hourly_limit', math.max(1, tonumber(oldest[2]) + hour - now)}
end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], hour + 1000)
redis.call('DEL', KEYS[3])
local prev = redis.call('GET', KEYS[1])
if prev then
  local ok, rec = pcall(cjson.decode, prev)
  if ok and tonumber(rec.expiresAt) > now then
    redis.call('SET', KEYS[3], cjson.encode({by = ARGV[4], raw = prev}), 'PXAT', string.format('%.0f', rec.expiresAt))
  end
end
redis.call('SET', KEYS[1], ARGV[5], 'PXAT', ARGV[6])
return {1, 'issued', 0}
`;

// Frees the send slot and, if the code is still this issue's, takes it back
// and brings back the live code it replaced (see withdrawCode).
const WITHDRAW = `
redis.call('ZREM', KEYS[2], ARGV[1])
local replaced = nil
local kept = redis.call('GET', KEYS[3])
if kept then
  local ok, r = pcall(cjson.decode, kept)
  if ok and r.by == ARGV[1] then
    replaced = r.raw
    redis.call('DEL', KEYS[3])
  end
end
local raw = redis.call('GET', KEYS[1])
if not raw then return 1 end
local ok, rec = pcall(cjson.decode, raw)
if ok and rec.ticket ~= ARGV[1] then return 1 end
if replaced then
  local ok2, prev = pcall(cjson.decode, replaced)
  if ok2 and tonumber(prev.expiresAt) > tonumber(ARGV[2]) then
    redis.call('SET', KEYS[1], replaced, 'PXAT', string.format('%.0f', prev.expiresAt))
    return 1
  end
end
redis.call('DEL', KEYS[1])
return 1
`;

// Compare-and-delete: only a caller holding the current digest of a live
// record deletes it, so concurrent verifies consume a code once (OTP-05).
const CONSUME = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, rec = pcall(cjson.decode, raw)
if not ok then return 0 end
if rec.digest ~= ARGV[1] or tonumber(rec.expiresAt) <= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Production OtpLedger: codes and send logs in Upstash Redis, attempts in the
 * strict per-phone counter (a Durable Object). Round trips per step:
 * issue 1 (the script and the lockout read in parallel); check 2 for a
 * wrong guess (read the code, count) and 3 for a right one (read, count,
 * then consume with `onMatch` in parallel).
 */
export class UpstashOtpLedger implements OtpLedger {
  constructor(
    private readonly redis: Redis,
    private readonly attempts: AttemptCounter,
    private readonly timeoutMs: number,
  ) {}

  async issue(phoneHash: string, purpose: OtpPurpose, digest: string, policy: IssuePolicy, now: number): Promise<IssueOutcome> {
    const ticket = randomId(12);
    const record: OtpRecord = { digest, expiresAt: now + policy.ttlMs, ticket };
    const [locked, issued] = await Promise.allSettled([
      this.attempts.lockedFor(phoneHash, now),
      withDeadline("otp-ledger", this.timeoutMs, async () => {
        const [ok, reason, retry] = (await this.redis.eval(
          ISSUE,
          keys(phoneHash, purpose),
          [String(now), String(policy.cooldownMs), String(policy.maxSendsPerHour), ticket, JSON.stringify(record), String(record.expiresAt), String(HOUR_MS)],
        )) as [number, string, number];
        return Number(ok) === 1 ? null : { reason: reason as IssueRefusal, retryAfterMs: Math.max(1, Number(retry)) };
      }),
    ]);
    // The lockout was read beside the script to save a round trip; when it
    // refuses (or cannot answer) a code the script stored is taken back.
    if (issued.status === "fulfilled" && issued.value === null && (locked.status === "rejected" || locked.value > 0)) {
      await this.withdraw(phoneHash, purpose, ticket, now).catch(() => undefined);
    }
    if (locked.status === "rejected") throw locked.reason;
    if (locked.value > 0) return { issued: false, reason: "locked_out", retryAfterMs: locked.value };
    if (issued.status === "rejected") throw issued.reason;
    return issued.value === null ? { issued: true, ticket } : { issued: false, ...issued.value };
  }

  withdraw(phoneHash: string, purpose: OtpPurpose, ticket: string, now: number): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, async () => {
      await this.redis.eval(WITHDRAW, keys(phoneHash, purpose), [ticket, String(now)]);
    });
  }

  async check<T>(
    phoneHash: string,
    purpose: OtpPurpose,
    guessDigest: string,
    policy: AttemptPolicy,
    now: number,
    onMatch: () => Promise<T>,
  ): Promise<CheckOutcome<T>> {
    const record = await withDeadline("otp-ledger", this.timeoutMs, async () =>
      parseStored<OtpRecord>(await this.redis.get(codeKey(phoneHash, purpose))),
    );
    // Without a live code nothing is counted (see checkCode).
    if (!record || record.expiresAt <= now) return { status: "no_code", reason: "no_live_code" };
    // Constant time: the guess is attacker-chosen. Right or wrong, the
    // attempt is counted first (a lockout refuses even the right code,
    // OTP-09), and only a counted right guess consumes the code: with the
    // count and the consume in parallel, two submissions of the right code
    // could split the outcomes (one counted and locking, the other consuming,
    // then putting the code back) and sign nobody in. During a lockout a
    // right guess so costs the same requests as a wrong one, and starts nothing.
    const right = constantTimeEqual(guessDigest, record.digest);
    const attempt = await this.attempts.acquire(phoneHash, policy, now);
    if (!attempt.allowed) return { status: "locked", retryAfterMs: attempt.retryAfterMs };
    if (!right) return { status: "wrong", attemptsRemaining: attempt.attemptsRemaining };
    const matched = onMatch();
    const consumed = await withDeadline(
      "otp-ledger",
      this.timeoutMs,
      async () => Number(await this.redis.eval(CONSUME, [codeKey(phoneHash, purpose)], [record.digest, String(now)])) === 1,
    );
    // A concurrent verify consumed it first (OTP-05).
    if (!consumed) return { status: "no_code", reason: "already_used" };
    // The success forgets the failures (OTP-08) after the answer: if that
    // fails they stay counted, the safe side.
    return { status: "verified", record, matched, followUp: () => this.attempts.reset(phoneHash) };
  }

  restore(phoneHash: string, purpose: OtpPurpose, record: OtpRecord, now: number): Promise<void> {
    if (record.expiresAt <= now) return Promise.resolve();
    return withDeadline("otp-ledger", this.timeoutMs, async () => {
      // NX: a newer code issued meanwhile is never replaced by an older one.
      await this.redis.set(codeKey(phoneHash, purpose), JSON.stringify(record), { pxat: record.expiresAt, nx: true });
    });
  }

  async erase(phoneHash: string): Promise<void> {
    const keysOf = OTP_PURPOSES.flatMap((p) => [codeKey(phoneHash, p), replacedKey(phoneHash, p)]);
    await Promise.all([
      withDeadline("otp-ledger", this.timeoutMs, async () => void (await this.redis.del(...keysOf, sendsKey(phoneHash)))),
      this.attempts.erase(phoneHash),
    ]);
  }

  ping(): Promise<void> {
    return withDeadline("otp-ledger", this.timeoutMs, async () => {
      await this.redis.get(codeKey("readyz-probe", "sign_in"));
    });
  }
}
