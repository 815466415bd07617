import { z } from "zod";
import type { CostEstimates } from "./domain/metrics";

/** Settings of how the service is run: where the strict attempt counter lives, and the spend estimates metrics carry. See docs/operations.md. */

const ISO_OR_STAR = /^(\*|[A-Z]{2})$/;

/** `*:0.05,GB:0.04,US:0.0083`: USD per message (or call) by destination country, `*` for the rest. Unset: no estimate (0). */
const priceTable = z
  .string()
  .optional()
  .transform((v, ctx): Map<string, number> => {
    const table = new Map<string, number>();
    for (const entry of (v ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
      const [country = "", price = ""] = entry.split(":").map((s) => s.trim());
      if (!ISO_OR_STAR.test(country) || !/^\d{1,3}(\.\d{1,6})?$/.test(price) || table.has(country)) {
        ctx.addIssue({ code: "custom", message: "must list COUNTRY:PRICE pairs (ISO code or *, price in USD such as 0.05), each country once" });
        return table;
      }
      table.set(country, Number(price));
    }
    return table;
  });

export const OPERATIONS_SETTINGS = {
  // durable-object: the AttemptCounter Durable Object (Cloudflare). redis:
  // the same rule in one Lua script, for self-hosted replicas that share Redis.
  ATTEMPT_COUNTER_STORE: z.enum(["durable-object", "redis"]).default("durable-object"),
  // Set by deploy/workerd/config.capnp (never by hand): which self-hosted config runs, so one
  // that needs Redis or MongoDB refuses to start on in-process storage instead of losing data.
  WORKERD_CONFIG: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(z.enum(["embedded", "production", "productionMongo"]).optional()),
  // auto: Analytics Engine when the METRICS binding exists (Cloudflare), else JSON log lines (self-hosted).
  METRICS_SINK: z.enum(["auto", "analytics-engine", "log", "none"]).default("auto"),
  SMS_COST_ESTIMATES: priceTable,
  VOICE_COST_ESTIMATES: priceTable,
};

type Raw = z.output<z.ZodObject<typeof OPERATIONS_SETTINGS>> & { UPSTASH_REDIS_REST_URL?: string | undefined; MONGODB_URI?: string | undefined; CLIENT_IP_SOURCE?: string | undefined };

export interface OperationsConfig {
  /** Where the production profile's strict attempt counter lives (the embedded profile counts in its PhoneLedger). */
  readonly attemptCounter: "durable-object" | "redis";
  readonly metrics: "auto" | "analytics-engine" | "log" | "none";
  readonly costs: CostEstimates;
}

/**
 * ATTEMPT_COUNTER_STORE=redis needs the Redis of the production profile. The
 * self-hosted production configs keep nothing in the process: without Redis
 * (and, for productionMongo, MongoDB) they would silently fall back to
 * in-process storage, which replicas do not share and a restart can lose.
 */
export function checkOperations(v: Raw, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: "custom", path: [path], message });
  if (v.ATTEMPT_COUNTER_STORE === "redis" && !v.UPSTASH_REDIS_REST_URL) issue("ATTEMPT_COUNTER_STORE", "redis needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (the production profile)");
  if (v.WORKERD_CONFIG === "production" || v.WORKERD_CONFIG === "productionMongo") {
    if (!v.UPSTASH_REDIS_REST_URL) issue("UPSTASH_REDIS_REST_URL", `is required by the self-hosted ${v.WORKERD_CONFIG} config`);
    if (v.ATTEMPT_COUNTER_STORE !== "redis") issue("ATTEMPT_COUNTER_STORE", `must be redis in the self-hosted ${v.WORKERD_CONFIG} config`);
  }
  if (v.WORKERD_CONFIG === "productionMongo" && !v.MONGODB_URI) issue("MONGODB_URI", "is required by the self-hosted productionMongo config");
  // Off Cloudflare nothing strips a client's own CF-Connecting-IP header, so
  // the Cloudflare default would let every request pick its per-IP bucket.
  // Self-hosted, the source must be chosen: x-forwarded-for behind your proxy,
  // cf-connecting-ip only behind Cloudflare (a Tunnel) with the origin closed to all else.
  if (v.WORKERD_CONFIG && !v.CLIENT_IP_SOURCE) issue("CLIENT_IP_SOURCE", "must be set on self-hosted workerd: x-forwarded-for behind your proxy, or cf-connecting-ip only behind Cloudflare");
}

export function operationsConfig(v: Raw): OperationsConfig {
  return { attemptCounter: v.ATTEMPT_COUNTER_STORE, metrics: v.METRICS_SINK, costs: { sms: v.SMS_COST_ESTIMATES, voice: v.VOICE_COST_ESTIMATES } };
}
