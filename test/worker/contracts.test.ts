/**
 * One contract suite per port, run against every adapter that can run here:
 * the embedded adapters (Durable Objects, D1) and the Upstash adapters
 * (through the REST bridge to a real redis-server). The MongoDB UserStore runs
 * the same user-store contract in test/node/mongo-user-store.test.ts.
 */
import { describe, expect, it } from "vitest";
import { D1CredentialStore } from "../../src/adapters/d1/credential-store";
import { D1UserStore } from "../../src/adapters/d1/user-store";
import { D1DeliveryReceiptStore } from "../../src/adapters/d1/delivery-receipt-store";
import { D1LineTypeCache } from "../../src/adapters/d1/line-type-cache";
import { D1DeviceStore } from "../../src/adapters/d1/device-store";
import { D1ErasureJournal } from "../../src/adapters/d1/erasure-journal";
import { D1AuditStore } from "../../src/adapters/d1/audit-store";
import { DurableBudgetStore } from "../../src/adapters/durable-object/budget-store";
import { DurableChallengeStore } from "../../src/adapters/durable-object/challenge-store";
import { DurableIdempotencyStore } from "../../src/adapters/durable-object/idempotency-store";
import { DurableAttemptCounter } from "../../src/adapters/durable-object/attempt-counter";
import { DurableOtpLedger } from "../../src/adapters/durable-object/otp-ledger";
import { DurableRateLimiter } from "../../src/adapters/durable-object/rate-limiter";
import { DurableSessionStore } from "../../src/adapters/durable-object/session-store";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashAttemptCounter } from "../../src/adapters/upstash/attempt-counter";
import { UpstashBudgetStore } from "../../src/adapters/upstash/budget-store";
import { UpstashChallengeStore } from "../../src/adapters/upstash/challenge-store";
import { UpstashIdempotencyStore } from "../../src/adapters/upstash/idempotency-store";
import { UpstashDeliveryReceiptStore } from "../../src/adapters/upstash/delivery-receipt-store";
import { UpstashLineTypeCache } from "../../src/adapters/upstash/line-type-cache";
import { UpstashDeviceStore } from "../../src/adapters/upstash/device-store";
import { UpstashErasureJournal } from "../../src/adapters/upstash/erasure-journal";
import { UpstashAuditStore } from "../../src/adapters/upstash/audit-store";
import { UpstashIpRateLimiter } from "../../src/adapters/upstash/ip-rate-limiter";
import { UpstashOtpLedger } from "../../src/adapters/upstash/otp-ledger";
import { UpstashSessionStore } from "../../src/adapters/upstash/session-store";
import { challengeStoreContract } from "../contracts/challenge-store.contract";
import { credentialStoreContract } from "../contracts/credential-store.contract";
import { attemptCounterContract } from "../contracts/attempt-counter.contract";
import { otpLedgerContract } from "../contracts/otp-ledger.contract";
import { rateLimiterContract } from "../contracts/rate-limiter.contract";
import { sessionStoreContract } from "../contracts/session-store.contract";
import { userStoreContract } from "../contracts/user-store.contract";
import { idempotencyStoreContract } from "../contracts/idempotency-store.contract";
import { deliveryReceiptStoreContract } from "../contracts/delivery-receipt-store.contract";
import { lineTypeCacheContract } from "../contracts/line-type-cache.contract";
import { budgetStoreContract } from "../contracts/budget-store.contract";
import { deviceStoreContract } from "../contracts/device-store.contract";
import { erasureJournalContract } from "../contracts/erasure-journal.contract";
import { auditStoreContract } from "../contracts/audit-store.contract";
import type { AttemptCounter } from "../../src/domain/ports";
import { hasRedis, redisCommand, testEnv } from "./helpers";

const T = 3000;

/** An attempt counter whose every call first waits a random 0-15 ms. */
function jittered(counter: AttemptCounter): AttemptCounter {
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * 15));
  return {
    acquire: async (...args) => (await pause(), counter.acquire(...args)),
    reset: async (...args) => (await pause(), counter.reset(...args)),
    lockedFor: async (...args) => (await pause(), counter.lockedFor(...args)),
    erase: async (...args) => (await pause(), counter.erase(...args)),
  };
}

describe("embedded adapters (Durable Objects, D1)", () => {
  otpLedgerContract("Durable Object (PhoneLedger)", () => new DurableOtpLedger(testEnv.PHONE_LEDGER, T));
  attemptCounterContract("Durable Object", () => new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, T));
  rateLimiterContract("Durable Object", () => new DurableRateLimiter(testEnv.RATE_LIMITER, T), { exactOnCallerClock: true });
  sessionStoreContract("Durable Object", () => new DurableSessionStore(testEnv.SESSION_VAULT, T));
  userStoreContract("D1", () => new D1UserStore(testEnv.DB, T));
  credentialStoreContract("D1", () => ({ credentials: new D1CredentialStore(testEnv.DB, T), users: new D1UserStore(testEnv.DB, T) }));
  challengeStoreContract("Durable Object (ChallengeVault)", () => new DurableChallengeStore(testEnv.CHALLENGE_VAULT, T));
  idempotencyStoreContract("Durable Object (IdempotencyVault)", () => new DurableIdempotencyStore(testEnv.IDEMPOTENCY_VAULT, T));
  lineTypeCacheContract("D1", () => new D1LineTypeCache(testEnv.DB, T));
  budgetStoreContract("Durable Object (BudgetLedger)", () => new DurableBudgetStore(testEnv.BUDGET_LEDGER, T));
  deviceStoreContract("D1", () => new D1DeviceStore(testEnv.DB, T));
  erasureJournalContract("D1", () => new D1ErasureJournal(testEnv.DB, T));
  auditStoreContract("D1", () => new D1AuditStore(testEnv.DB, T));
  deliveryReceiptStoreContract("D1", () => new D1DeliveryReceiptStore(testEnv.DB, T));
});

describe.skipIf(!hasRedis)("Upstash adapters (REST bridge → real redis-server)", () => {
  const redis = () => createUpstashClient({ url: testEnv.TEST_UPSTASH_URL, token: testEnv.TEST_UPSTASH_TOKEN, timeoutMs: T });
  otpLedgerContract("Upstash Redis + AttemptCounter Durable Object", () => new UpstashOtpLedger(redis(), new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, T), T));
  // The same with the counter answering after 0-15 ms, as a Durable Object in
  // another location does: races between Redis and the counter that loopback
  // timing hides (two right submissions splitting count and consume) show.
  otpLedgerContract("Upstash Redis + AttemptCounter, jittered counter latency", () => new UpstashOtpLedger(redis(), jittered(new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, T)), T));
  attemptCounterContract("Upstash Redis (ATTEMPT_COUNTER_STORE=redis)", () => new UpstashAttemptCounter(redis(), T));
  otpLedgerContract("Upstash Redis + Redis attempt counter", () => new UpstashOtpLedger(redis(), new UpstashAttemptCounter(redis(), T), T));
  rateLimiterContract("@upstash/ratelimit sliding window", () => new UpstashIpRateLimiter(redis(), T), { exactOnCallerClock: false });
  sessionStoreContract("Upstash Redis", () => new UpstashSessionStore(redis(), T));
  idempotencyStoreContract("Upstash Redis", () => new UpstashIdempotencyStore(redis(), T));
  lineTypeCacheContract("Upstash Redis", () => new UpstashLineTypeCache(redis(), T));
  budgetStoreContract("Upstash Redis", () => new UpstashBudgetStore(redis(), T));
  deviceStoreContract("Upstash Redis", () => new UpstashDeviceStore(redis(), T));
  erasureJournalContract("Upstash Redis", () => new UpstashErasureJournal(redis(), T));
  auditStoreContract("Upstash Redis", () => new UpstashAuditStore(redis(), T));
  deliveryReceiptStoreContract("Upstash Redis", () => new UpstashDeliveryReceiptStore(redis(), T));
  challengeStoreContract("Upstash Redis", () => new UpstashChallengeStore(redis(), T));
  it("a moved audit list expires with its newest entry's retention, not a full retention from the move", async () => {
    const store = new UpstashAuditStore(redis(), T);
    const [from, to] = [`phone:${crypto.randomUUID()}`, `tomb:${crypto.randomUUID()}`];
    const at = Date.now() - 3 * 86_400_000;
    await store.append(from, { seq: at * 1000, at, event: "otp.failed", outcome: "failure" }, 5 * 86_400_000);
    await store.move(from, to, 5 * 86_400_000);
    const pttl = Number(await redisCommand(["PTTL", `audit:${to}`]));
    expect(pttl).toBeGreaterThan(2 * 86_400_000 - 60_000);
    expect(pttl).toBeLessThanOrEqual(2 * 86_400_000);
  });
  it("BIO-01: an unanswered challenge expires in Redis itself at its expiresAt (nothing piles up)", async () => {
    const id = `ttl-${crypto.randomUUID()}`;
    const expiresAt = Date.now() + 300_000;
    await new UpstashChallengeStore(redis(), T).put(id, { purpose: "device_sign_in", userId: null, deviceId: "d", expiresAt });
    const pttl = Number(await redisCommand(["PTTL", `challenge:${id}`]));
    expect(pttl).toBeGreaterThan(290_000);
    expect(pttl).toBeLessThanOrEqual(300_000);
  });
});
