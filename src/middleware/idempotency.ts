import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { IdempotentAnswer } from "../domain/idempotency";
import { AuthError } from "../errors";
import { sha256, toBase64url } from "../lib/crypto";
import { bodyFingerprint } from "../lib/keys";
import type { AppEnv } from "../types";

export interface IdempotencyOptions {
  /**
   * Names the operation (and, for routes behind a session, the user), so one
   * key means one thing: the same key on another route or for another user
   * is another key.
   */
  scope: (c: Context<AppEnv>) => string;
  /** How long an answer is replayed, from the first request. Default 10 minutes. */
  ttlMs?: number;
  /** How long a claim whose request never finished blocks its key. Default 60 s (longer than any provider deadline). */
  pendingMs?: number;
}

/** 1–255 visible ASCII characters (a UUID, a ULID, …). */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` for a request that costs money (FRAUD-07): the same key
 * with the same body within `ttlMs` gets the first answer again
 * (`Idempotent-Replayed: true`) and runs nothing; the same key with another
 * body is 422 `idempotency_key_reused`; while the first request runs, 409
 * `idempotency_key_in_use`. Why: a client that retries after a network error
 * cannot know whether its first request sent the SMS, and must never cause a
 * second paid message. Answers that changed nothing (503: a store did not
 * answer; 500) are not kept, so a retry runs again. Without the header the
 * request runs as usual. Goes after the body checks and the session, before
 * the handler.
 */
export function idempotency(options: IdempotencyOptions) {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const pendingMs = options.pendingMs ?? 60_000;
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY.test(key)) throw new AuthError("invalid_request", { message: "Idempotency-Key: must be 1 to 255 visible ASCII characters" });
    const { services } = c.var;
    // Keyed by a hash: the raw key (client-chosen) is never a storage key.
    const id = toBase64url(await sha256(`idem.v1|${options.scope(c)}|${key}`));
    const fingerprint = await bodyFingerprint(services.keys, await c.req.text());
    const claimedAt = services.now();
    const claim = await services.idempotency.claim(id, fingerprint, claimedAt, pendingMs);
    if (claim.status === "mismatch") throw new AuthError("idempotency_key_reused");
    if (claim.status === "in_progress") throw new AuthError("idempotency_key_in_use", { retryAfterSeconds: 1 });
    if (claim.status === "replay") return replay(c, claim.answer);

    await next();
    const res = c.res;
    if (res.status >= 500 && res.status !== 502) {
      // Nothing was sent or accepted (fail-closed 503, or a bug): let a retry run.
      await services.idempotency.release(id, fingerprint).catch(() => undefined);
      return;
    }
    // 502 is kept: a provider that could not be reached may still have sent the message.
    const retryAfter = Number(res.headers.get("retry-after"));
    const answer: IdempotentAnswer = {
      status: res.status,
      body: res.status === 204 ? "" : await res.clone().text(),
      retryAt: Number.isFinite(retryAfter) && retryAfter > 0 ? claimedAt + retryAfter * 1000 : null,
    };
    // If this write fails the key stays pending until it lapses: retries get 409, never a second send.
    await services.idempotency.complete(id, fingerprint, answer, claimedAt + ttlMs, services.now()).catch(() => undefined);
  });
}

/** The first answer again, with a Retry-After counted down to now. */
function replay(c: Context<AppEnv>, answer: IdempotentAnswer): Response {
  c.header("Idempotent-Replayed", "true");
  if (answer.retryAt !== null) c.header("Retry-After", String(Math.max(1, Math.ceil((answer.retryAt - c.var.services.now()) / 1000))));
  if (answer.body === "") return c.body(null, answer.status as 204);
  c.header("Content-Type", "application/json");
  return c.body(answer.body, answer.status as 200);
}
