/**
 * One contract suite per port, run against every adapter that can run here:
 * the embedded adapters (Durable Objects, D1) and the Upstash adapters
 * (through the REST bridge to a real redis-server). The MongoDB UserStore runs
 * the same user-store contract in test/node/mongo-user-store.test.ts.
 */
import { describe } from "vitest";
import { D1UserStore } from "../../src/adapters/d1/user-store";
import { DurableAttemptCounter } from "../../src/adapters/durable-object/attempt-counter";
import { DurableOtpLedger } from "../../src/adapters/durable-object/otp-ledger";
import { DurableRateLimiter } from "../../src/adapters/durable-object/rate-limiter";
import { DurableSessionStore } from "../../src/adapters/durable-object/session-store";
import { createUpstashClient } from "../../src/adapters/upstash/client";
import { UpstashIpRateLimiter } from "../../src/adapters/upstash/ip-rate-limiter";
import { UpstashOtpLedger } from "../../src/adapters/upstash/otp-ledger";
import { UpstashSessionStore } from "../../src/adapters/upstash/session-store";
import { attemptCounterContract } from "../contracts/attempt-counter.contract";
import { otpLedgerContract } from "../contracts/otp-ledger.contract";
import { rateLimiterContract } from "../contracts/rate-limiter.contract";
import { sessionStoreContract } from "../contracts/session-store.contract";
import { userStoreContract } from "../contracts/user-store.contract";
import { hasRedis, testEnv } from "./helpers";

const T = 3000;

describe("embedded adapters (Durable Objects, D1)", () => {
  otpLedgerContract("Durable Object (PhoneLedger)", () => new DurableOtpLedger(testEnv.PHONE_LEDGER, T));
  attemptCounterContract("Durable Object", () => new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, T));
  rateLimiterContract("Durable Object", () => new DurableRateLimiter(testEnv.RATE_LIMITER, T), { exactOnCallerClock: true });
  sessionStoreContract("Durable Object", () => new DurableSessionStore(testEnv.SESSION_VAULT, T));
  userStoreContract("D1", () => new D1UserStore(testEnv.DB, T));
});

describe.skipIf(!hasRedis)("Upstash adapters (REST bridge → real redis-server)", () => {
  const redis = () => createUpstashClient({ url: testEnv.TEST_UPSTASH_URL, token: testEnv.TEST_UPSTASH_TOKEN, timeoutMs: T });
  otpLedgerContract("Upstash Redis + AttemptCounter Durable Object", () => new UpstashOtpLedger(redis(), new DurableAttemptCounter(testEnv.ATTEMPT_COUNTER, T), T));
  rateLimiterContract("@upstash/ratelimit sliding window", () => new UpstashIpRateLimiter(redis(), T), { exactOnCallerClock: false });
  sessionStoreContract("Upstash Redis", () => new UpstashSessionStore(redis(), T));
});
