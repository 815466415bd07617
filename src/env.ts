import type { AttemptCounter } from "./durable-objects/attempt-counter";
import type { BudgetLedger } from "./durable-objects/budget-ledger";
import type { ChallengeVault } from "./durable-objects/challenge-vault";
import type { DevOutbox } from "./durable-objects/dev-outbox";
import type { IdempotencyVault } from "./durable-objects/idempotency-vault";
import type { MongoGateway } from "./durable-objects/mongo-gateway";
import type { PhoneLedger } from "./durable-objects/phone-ledger";
import type { RateLimiter } from "./durable-objects/rate-limiter";
import type { SessionVault } from "./durable-objects/session-vault";

/** Worker bindings (wrangler.toml) plus string settings (vars and secrets). */
export interface Env {
  DB: D1Database;
  /** The production profile's strict attempt counter (the embedded one counts in PHONE_LEDGER). */
  ATTEMPT_COUNTER: DurableObjectNamespace<AttemptCounter>;
  PHONE_LEDGER: DurableObjectNamespace<PhoneLedger>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  SESSION_VAULT: DurableObjectNamespace<SessionVault>;
  DEV_OUTBOX: DurableObjectNamespace<DevOutbox>;
  /** Passkey and device-key challenges in the embedded profile (Upstash holds them in the production one). */
  CHALLENGE_VAULT: DurableObjectNamespace<ChallengeVault>;
  /** Idempotency-Key records in the embedded profile (Upstash holds them in the production one). */
  IDEMPOTENCY_VAULT: DurableObjectNamespace<IdempotencyVault>;
  /** SMS budgets in the embedded profile (Upstash holds them in the production one). */
  BUDGET_LEDGER: DurableObjectNamespace<BudgetLedger>;
  /**
   * Static files in public/ (wrangler.toml [assets], built by
   * scripts/build-assets.mjs): Swagger UI for /docs and the demo app. Absent
   * when a config has no [assets]; the docs and demo then answer 404.
   */
  ASSETS?: Fetcher;
  /** Workers Analytics Engine dataset for metrics (wrangler.toml); absent on self-hosted workerd. */
  METRICS?: AnalyticsEngineDataset;
  /** Only in the MongoDB build (wrangler --env mongo). */
  MONGO_GATEWAY?: DurableObjectNamespace<MongoGateway>;
  [setting: string]: unknown;
}
