import { toHex, hmacSha256 } from "../lib/crypto";
import type { SecretKeys } from "../lib/keys";
import { phoneSubject, tombSubject, userSubject, type AuditStore } from "./audit";
import { ledgerKey, type DeviceStore } from "./devices";
import { PHONE_CHANGE_RULE } from "./phone-change";
import { SESSION_PIN_WINDOW_MS } from "./pin";
import type { AuthEventSink, OtpLedger, RateLimiter, RateRule, SessionStore, UserStore } from "./ports";

/**
 * Account erasure (DATA-02, GDPR art. 17, CCPA right to delete). Erasing a
 * user touches several stores that share no transaction, so it is
 * journalled: the job is written first, the user row goes next (from that
 * moment the user's tokens get 401 and the phone signs up as someone new),
 * then everything keyed by the user or the phone, and the job is closed only
 * when every step succeeded. Every step is idempotent; a job left open (a
 * store failed half-way) is finished by the next run of `resumeErasures`
 * (the scheduled handler), and open jobs are counted by /readyz.
 */

/** An erasure still open after this long is not in progress any more: it failed and is resumed (the scheduled handler, POST /admin/resume-erasures). */
export const ERASURE_GRACE_MS = 5 * 60_000;

export interface ErasureJob {
  userId: string;
  /** The phone's blind index: its pending codes and counters are erased too. */
  phoneHash: string;
  /** One-way id the user's audit events are kept under afterwards (never the user id). */
  tombstoneId: string;
  startedAt: number;
  /** Runs that failed so far. */
  attempts: number;
}

/** Where open erasures are journalled (contract: test/contracts/erasure-journal.contract.ts). */
export interface ErasureJournal {
  /** Records a job; a job already open for the user is kept as it is. */
  open(job: ErasureJob): Promise<void>;
  /** Open jobs started at or before `startedBefore`, oldest first. */
  pending(startedBefore: number, limit: number): Promise<ErasureJob[]>;
  /** One more failed run of the job. */
  failed(userId: string): Promise<void>;
  /** The job is done. */
  close(userId: string): Promise<void>;
  /** How many jobs are open (for /readyz). */
  count(): Promise<number>;
}

export interface ErasureDeps {
  erasures: ErasureJournal;
  users: UserStore;
  sessions: SessionStore;
  devices: DeviceStore;
  ledger: OtpLedger;
  ipLimiter: RateLimiter;
  policy: { ipVerifyLimit: number; ipWindowSeconds: number };
  keys: SecretKeys;
  audit: AuditStore;
  auditRetentionMs: number;
  events: AuthEventSink;
  now: () => number;
}

/** The id a user's audit trail is kept under once they are erased: keyed and one-way, so it cannot be tied back to the user id without the key. */
export async function tombstoneId(keys: SecretKeys, userId: string): Promise<string> {
  return `t_${toHex(await hmacSha256(keys.phoneIndex, `tombstone.v1|${userId}`)).slice(0, 32)}`;
}

/** The user's own rate counters (each with the rule its window comes from): the per-user budgets and each session's wrong-PIN count. */
function userCounters(deps: ErasureDeps, userId: string, sessionIds: string[]): [string, RateRule][] {
  const verify = { limit: deps.policy.ipVerifyLimit, windowMs: deps.policy.ipWindowSeconds * 1000 };
  return [
    [`user:bio:${userId}`, verify],
    [`user:pin:${userId}`, verify],
    [`user:phone-change:${userId}`, PHONE_CHANGE_RULE],
    ...sessionIds.map((id): [string, RateRule] => [`session:pin:${id}`, { limit: 1, windowMs: SESSION_PIN_WINDOW_MS }]),
  ];
}

/** Every step after the user row: what is keyed by the user or the phone. Idempotent. */
async function eraseRest(deps: ErasureDeps, job: ErasureJob): Promise<void> {
  const now = deps.now();
  // Ledgers and counters first: their keys are known only while the devices and sessions are.
  // The number may have signed up as someone new since the user row went (a
  // resumed job): then its own ledger and list are the new owner's, not ours.
  const [devices, sessions, reused] = await Promise.all([deps.devices.listForUser(job.userId, 0), deps.sessions.list(job.userId, 0), deps.users.phoneHeld(job.phoneHash)]);
  const ledgers = [...(reused ? [] : [job.phoneHash]), ...devices.map((d) => ledgerKey(job.phoneHash, d))];
  await Promise.all([
    ...ledgers.map((key) => deps.ledger.erase(key)),
    ...userCounters(deps, job.userId, sessions.map((s) => s.id)).map(([key, rule]) => deps.ipLimiter.reset(key, rule, now)),
  ]);
  await Promise.all([deps.devices.revokeAllForUser(job.userId, null, now), deps.sessions.revokeAll(job.userId)]);
  // The audit trail is pseudonymised, not kept with the user or the phone: it moves under the one-way tombstone id until it expires.
  const tomb = tombSubject(job.tombstoneId);
  await Promise.all([userSubject(job.userId), ...(reused ? [] : [phoneSubject(job.phoneHash)])].map((from) => deps.audit.move(from, tomb, deps.auditRetentionMs)));
}

/** The steps after the journal; `rowGone`: eraseAccount already deleted the user row (a resume deletes it again, idempotently). */
async function run(deps: ErasureDeps, job: ErasureJob, rowGone: boolean): Promise<boolean> {
  try {
    if (!rowGone) await deps.users.deleteUser(job.userId);
    await eraseRest(deps, job);
    await deps.erasures.close(job.userId);
    deps.events.emit({ event: "account.erased", outcome: "success", userId: job.tombstoneId, ...(job.attempts > 0 ? { reason: "resumed" } : {}) });
    return true;
  } catch (err) {
    // Left open: the scheduled handler finishes it. Why not fail the request:
    // the user row went first (eraseAccount), so the account is already unusable.
    await deps.erasures.failed(job.userId).catch(() => undefined);
    deps.events.emit({ event: "account.erase_incomplete", outcome: "failure", userId: job.tombstoneId, reason: err instanceof Error ? err.name : "unknown" });
    return false;
  }
}

/**
 * Erases the user: `erased` when every step succeeded, `pending` when one
 * failed after the user row was deleted (the user can no longer sign in;
 * the rest is finished in the background). A journal that cannot be written
 * fails the request and nothing is erased; a user row that cannot be deleted
 * fails it too, with the job left for the scheduled handler.
 */
export async function eraseAccount(deps: ErasureDeps, userId: string, phoneHash: string): Promise<"erased" | "pending"> {
  const job: ErasureJob = { userId, phoneHash, tombstoneId: await tombstoneId(deps.keys, userId), startedAt: deps.now(), attempts: 0 };
  await deps.erasures.open(job);
  // The user row goes first and outside run(): `pending` must mean the account
  // is closed. A store that cannot delete it fails the request (503) with the
  // job left open, so the scheduled handler still finishes what was asked.
  // The user's credentials go with the row (D1 cascade, MongoDB document).
  try {
    await deps.users.deleteUser(userId);
  } catch (err) {
    await deps.erasures.failed(userId).catch(() => undefined);
    throw err;
  }
  return (await run(deps, job, true)) ? "erased" : "pending";
}

/** Finishes erasures left open for at least `graceMs` (one in progress may still be running). */
export async function resumeErasures(deps: ErasureDeps, graceMs: number, limit = 50): Promise<{ finished: number; failed: number }> {
  const jobs = await deps.erasures.pending(deps.now() - graceMs, limit);
  let finished = 0;
  for (const job of jobs) if (await run(deps, job, false)) finished++;
  return { finished, failed: jobs.length - finished };
}

/**
 * The periodic sweep (the scheduled handler on Cloudflare, POST
 * /admin/resume-erasures self-hosted): resumes what failed after the grace
 * period, then counts what is still open, so an erasure that keeps failing shows.
 */
export async function sweepErasures(deps: ErasureDeps): Promise<{ finished: number; failed: number; open: number }> {
  const { finished, failed } = await resumeErasures(deps, ERASURE_GRACE_MS);
  return { finished, failed, open: await deps.erasures.count() };
}
