/**
 * Worker entry for the build that includes the MongoDB driver
 * (`wrangler deploy --env mongo`). Same app and Durable Objects as
 * src/index.ts, plus the MongoDB user store and its gateway object. The
 * default build never imports this file, so it never carries the driver.
 */
import { createMongoCredentialStore } from "./adapters/mongo/credential-store-factory";
import { GatewayUserStore } from "./adapters/mongo/gateway-user-store";
import { PerRequestMongoUserStore } from "./adapters/mongo/per-request-user-store";
import { createApp } from "./app";
import type { Env } from "./env";
import { runScheduled } from "./scheduled";
import type { ServiceOptions } from "./services";

export { AttemptCounter } from "./durable-objects/attempt-counter";
export { BudgetLedger } from "./durable-objects/budget-ledger";
export { ChallengeVault } from "./durable-objects/challenge-vault";
export { DevOutbox } from "./durable-objects/dev-outbox";
export { IdempotencyVault } from "./durable-objects/idempotency-vault";
export { MongoGateway } from "./durable-objects/mongo-gateway";
export { PhoneLedger } from "./durable-objects/phone-ledger";
export { RateLimiter } from "./durable-objects/rate-limiter";
export { SessionVault } from "./durable-objects/session-vault";

const options: ServiceOptions = {
  mongoUserStore: async (env, config) => {
    const mongo = config.mongo!;
    if (mongo.connection === "per-request") return new PerRequestMongoUserStore(mongo);
    if (!env.MONGO_GATEWAY) throw new Error("MONGODB_CONNECTION=gateway needs the MONGO_GATEWAY Durable Object binding");
    return new GatewayUserStore(env.MONGO_GATEWAY, mongo.timeoutMs + 1000);
  },
  mongoCredentialStore: async (env, config) => createMongoCredentialStore(env, config),
};
const app = createApp(options);

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(runScheduled(env, options, (work) => ctx.waitUntil(work))),
} satisfies ExportedHandler<Env>;
