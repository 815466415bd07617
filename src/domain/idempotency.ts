/**
 * Idempotent retries of requests that cost money (FRAUD-07): a client that
 * retries `request-otp` after a network error, with the same
 * `Idempotency-Key` and body, gets the first answer again and no second SMS.
 * The port is one record per key, claimed before the request runs (so of
 * concurrent retries one runs) and completed with its answer. One contract
 * suite (test/contracts/idempotency-store.contract.ts) runs against every
 * adapter.
 */

/** The answer kept for replay: status, JSON body and when a Retry-After it carried ends. */
export interface IdempotentAnswer {
  status: number;
  body: string;
  /** Epoch ms a `Retry-After` counted to; null without one. */
  retryAt: number | null;
}

export interface IdempotencyRecord {
  /** Keyed hash of the request body (base64url, `bodyFingerprint`): the same key with another body is refused. */
  fingerprint: string;
  state: "pending" | "done";
  answer: IdempotentAnswer | null;
  /** Pending: when the claim lapses (a request that died never blocks its key for long). Done: when the answer is forgotten. */
  expiresAt: number;
}

export type IdempotencyClaim =
  | { status: "claimed" }
  | { status: "replay"; answer: IdempotentAnswer }
  /** Same key, another body. */
  | { status: "mismatch" }
  /** Same key and body, still running. */
  | { status: "in_progress" };

export interface IdempotencyStore {
  /**
   * Claims `id` for a request with `fingerprint`, atomically: a new or
   * expired key is stored pending until `now + pendingMs` and `claimed`;
   * otherwise the stored record decides. Of concurrent claims one wins.
   */
  claim(id: string, fingerprint: string, now: number, pendingMs: number): Promise<IdempotencyClaim>;
  /** Stores the answer of the claimed request until `expiresAt` (only while it is still this pending claim). */
  complete(id: string, fingerprint: string, answer: IdempotentAnswer, expiresAt: number, now: number): Promise<void>;
  /** Forgets the pending claim (the request failed before doing anything), so a retry runs again. */
  release(id: string, fingerprint: string): Promise<void>;
}

/** What a stored record means for a new claim at `now` (pure: both adapters decide with it). */
export function judgeClaim(record: IdempotencyRecord | null, fingerprint: string, now: number): IdempotencyClaim {
  if (!record || record.expiresAt <= now) return { status: "claimed" };
  if (record.fingerprint !== fingerprint) return { status: "mismatch" };
  if (record.state === "pending" || !record.answer) return { status: "in_progress" };
  return { status: "replay", answer: record.answer };
}
