import { AuthError } from "../errors";
import { hmacSha256, toHex } from "../lib/crypto";
import type { SecretKeys } from "../lib/keys";
import type { Phone } from "./phone";
import type { AuthEvent, AuthEventSink } from "./ports";
import type { PrefixHealth } from "./risk";

/**
 * SMS budgets (FRAUD-03, FRAUD-04, SEND-07): per number prefix per hour, per
 * country per day, a global daily budget, and the conversion guard. Why:
 * SMS pumping spreads over many numbers of a few prefixes, each number under
 * its own per-phone limit; what gives it away is volume per prefix and
 * country, and codes that are never entered. Counters are charged all or
 * none in one atomic step of the BudgetStore, just before the SMS is paid
 * for, and given back when it never leaves.
 */

export interface BudgetRule {
  key: string;
  /** Infinity: counted, never refused. */
  limit: number;
  /** When the counter's window ends (it starts again from 0). */
  resetAt: number;
}

export type ChargeResult =
  | { status: "charged"; counts: number[]; watched: number[] }
  | { status: "over"; index: number }
  | { status: "blocked"; until: number };

export interface BudgetStore {
  /**
   * Atomically: `blocked` while `blockKey` is set; else `over` naming the
   * first rule at its limit (nothing charged); else one unit charged to every
   * rule (`counts` after the charge) and the current values of `watch`.
   */
  charge(rules: BudgetRule[], blockKey: string, watch: string[], now: number): Promise<ChargeResult>;
  /** Gives back one unit of each rule charged by a send that never left. */
  refund(rules: BudgetRule[], now: number): Promise<void>;
  /** Adds one to a plain counter (verified codes per prefix). */
  bump(key: string, resetAt: number, now: number): Promise<void>;
  /** Sets `key` until `until` (a blocked prefix). */
  block(key: string, until: number, now: number): Promise<void>;
}

export interface BudgetPolicy {
  store: BudgetStore;
  /** Sends per number prefix per hour; Infinity: off. */
  prefixHourly: number;
  /** ISO country → sends per UTC day; `*` for every other country. */
  countryDaily: ReadonlyMap<string, number>;
  /** Sends per UTC day over every number; Infinity: off. */
  globalDaily: number;
  /** The conversion guard; minSends 0: off. */
  conversion: { minSends: number; minRate: number; blockMs: number };
}

export interface BudgetDeps {
  budgets: BudgetPolicy;
  keys: SecretKeys;
  events: AuthEventSink;
  background: (task: string, work: () => Promise<unknown>) => void;
}

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;

/** A number's prefix: the number without its last 3 digits (a block of 1,000 numbers), as a keyed hash. */
export async function prefixId(keys: SecretKeys, phone: Phone): Promise<string> {
  return toHex(await hmacSha256(keys.phoneIndex, `prefix.v1|${phone.e164.slice(0, -3)}`)).slice(0, 32);
}

function countryLimit(policy: BudgetPolicy, country: string | null): number {
  return policy.countryDaily.get(country ?? "*") ?? policy.countryDaily.get("*") ?? Infinity;
}

/** The rules one send is charged to, at `now`. */
export function budgetRules(policy: BudgetPolicy, prefix: string, country: string | null, now: number): BudgetRule[] {
  const hourEnd = (Math.floor(now / HOUR_MS) + 1) * HOUR_MS;
  const dayEnd = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  const day = Math.floor(now / DAY_MS);
  return [
    // Counted even without a limit: the conversion guard reads it.
    { key: `sms:prefix:${prefix}:${Math.floor(now / HOUR_MS)}`, limit: policy.prefixHourly, resetAt: hourEnd },
    { key: `sms:country:${country ?? "none"}:${day}`, limit: countryLimit(policy, country), resetAt: dayEnd },
    { key: `sms:all:${day}`, limit: policy.globalDaily, resetAt: dayEnd },
  ];
}

const verifiedKey = (prefix: string, now: number): string => `sms:verified:${prefix}:${Math.floor(now / HOUR_MS)}`;
const blockKey = (prefix: string): string => `sms:blocked:${prefix}`;

/** A send charged to the budgets: the rules (to refund if the message never leaves), the prefix's sends this hour (this one included) and its keyed prefix id. */
export interface Charged {
  rules: BudgetRule[];
  prefixSends: number;
  prefix: string;
}

/**
 * Charges the send to every budget, or refuses it: 429 `rate_limited` for a
 * prefix or country over its budget or a prefix the conversion guard
 * blocked, 503 `service_unavailable` until the next UTC day when the global
 * budget trips (a circuit breaker, logged as an ops alert).
 */
export async function chargeBudgets(deps: BudgetDeps, phone: Phone, now: number, base: Pick<AuthEvent, "phoneHash" | "country">): Promise<Charged> {
  const policy = deps.budgets;
  const prefix = await prefixId(deps.keys, phone);
  const rules = budgetRules(policy, prefix, phone.country, now);
  const result = await policy.store.charge(rules, blockKey(prefix), [verifiedKey(prefix, now)], now);
  const line = { ...base, prefix };
  if (result.status === "blocked") {
    deps.events.emit({ event: "otp.requested", outcome: "denied", reason: "prefix_blocked", ...line });
    throw new AuthError("rate_limited", { retryAfterSeconds: Math.max(1, Math.ceil((result.until - now) / 1000)) });
  }
  if (result.status === "over") {
    const rule = rules[result.index]!;
    const retryAfterSeconds = Math.max(1, Math.ceil((rule.resetAt - now) / 1000));
    if (result.index === 2) {
      // The circuit breaker: every send is refused until the next UTC day; an operator should look now.
      deps.events.emit({ event: "budget.tripped", outcome: "denied", reason: "daily_budget", ...line });
      throw new AuthError("service_unavailable", { retryAfterSeconds });
    }
    deps.events.emit({ event: "otp.requested", outcome: "denied", reason: result.index === 0 ? "prefix_hourly" : "country_daily", ...line });
    throw new AuthError("rate_limited", { retryAfterSeconds });
  }
  return { rules, prefixSends: result.counts[0] ?? 0, prefix };
}

/**
 * The conversion guard (FRAUD-04), run after the provider accepted a message
 * and off the critical path: pumped numbers never enter their codes, real
 * people mostly do. It reads the prefix's counts afresh rather than trusting
 * the charge's: a charge also counts concurrent requests that other limits
 * then refused and refunded, and a burst of refused requests must not be able
 * to block a whole prefix. The send that reveals the pattern is the last one.
 */
export async function checkConversion(deps: BudgetDeps, rules: BudgetRule[], prefix: string, now: number, base: Pick<AuthEvent, "phoneHash" | "country">): Promise<void> {
  const { minSends, minRate, blockMs } = deps.budgets.conversion;
  if (minSends === 0 || rules.length === 0) return;
  // No rules: charges nothing, reads the watched counters (and says whether the prefix is blocked already).
  const read = await deps.budgets.store.charge([], blockKey(prefix), [rules[0]!.key, verifiedKey(prefix, now)], now);
  if (read.status !== "charged") return;
  // Every paid send counts, delivered or not. Delivery receipts are the
  // terminating carrier's word, and in SMS pumping that carrier is in on it:
  // discounting "undelivered" messages would let a pumping run switch this
  // guard off by reporting every message undelivered (still billed).
  const [sends = 0, verified = 0] = read.watched;
  if (sends >= minSends && verified / sends < minRate) {
    deps.events.emit({ event: "budget.tripped", outcome: "denied", reason: "prefix_conversion", ...base, prefix });
    await deps.budgets.store.block(blockKey(prefix), now + blockMs, now);
  }
}

/**
 * The number's prefix this hour, for the sign-in risk score: sends, verified
 * codes and whether the conversion guard blocked it (a read: nothing is
 * charged). null when nothing watches prefixes (no prefix limit and no
 * guard), so the read is not paid for.
 */
export async function prefixHealth(deps: BudgetDeps, prefix: string, country: string | null, now: number): Promise<PrefixHealth | null> {
  const { prefixHourly, conversion } = deps.budgets;
  if (!Number.isFinite(prefixHourly) && conversion.minSends === 0) return null;
  const sendsKey = budgetRules(deps.budgets, prefix, country, now)[0]!.key;
  const read = await deps.budgets.store.charge([], blockKey(prefix), [sendsKey, verifiedKey(prefix, now)], now);
  const [sends = 0, verified = 0] = read.status === "charged" ? read.watched : [];
  return { sends, verified, blocked: read.status === "blocked", hourlyLimit: prefixHourly, minSends: conversion.minSends, minRate: conversion.minRate };
}

/** A sign-in code was entered right: the prefix converted once more. */
export async function recordConversion(deps: BudgetDeps, prefix: string, now: number): Promise<void> {
  if (deps.budgets.conversion.minSends === 0) return;
  await deps.budgets.store.bump(verifiedKey(prefix, now), (Math.floor(now / HOUR_MS) + 1) * HOUR_MS, now);
}
