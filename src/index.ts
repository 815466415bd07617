import { createApp } from "./app";
import type { Env } from "./env";
import { runScheduled } from "./scheduled";

export { AttemptCounter } from "./durable-objects/attempt-counter";
export { BudgetLedger } from "./durable-objects/budget-ledger";
export { ChallengeVault } from "./durable-objects/challenge-vault";
export { DevOutbox } from "./durable-objects/dev-outbox";
export { IdempotencyVault } from "./durable-objects/idempotency-vault";
export { PhoneLedger } from "./durable-objects/phone-ledger";
export { RateLimiter } from "./durable-objects/rate-limiter";
export { SessionVault } from "./durable-objects/session-vault";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(runScheduled(env, {}, (work) => ctx.waitUntil(work))),
} satisfies ExportedHandler<Env>;
