import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sweepErasures } from "../domain/erasure";
import { reencryptPhones } from "../domain/reencrypt";
import { logJson } from "../lib/log";
import { validationHook } from "../lib/validation";
import { requireAdmin } from "../middleware/require-admin";
import type { AppEnv } from "../types";
import { errorResponses, jsonResponse } from "./schemas";

/** Maintenance routes, behind ADMIN_TOKEN (absent without it). */
export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

adminRoutes.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "The ADMIN_TOKEN setting: `Authorization: Bearer <ADMIN_TOKEN>`",
});

adminRoutes.use("/*", requireAdmin());

/** One batch of 40 per request: one read and at most 40 writes stay under the 50 D1 queries a request may make on the Workers Free plan. */
const BATCH = 40;
const BATCHES = 1;

adminRoutes.openapi(
  createRoute({
    method: "post",
    path: "/reencrypt-phones",
    operationId: "reencryptPhones",
    tags: ["maintenance"],
    security: [{ adminToken: [] }],
    summary: "Move stored phone numbers to the current encryption key",
    description:
      "Re-encrypts up to 40 phone numbers not yet under the first key of PHONE_DATA_KEYS (compare-and-set per user). Call again while " +
      "`remaining` is true (`npm run reencrypt` does). `failed` counts numbers under a key no longer configured; 40 or more of them block progress until that key is back in PHONE_DATA_KEYS. Needs " +
      "`Authorization: Bearer <ADMIN_TOKEN>`; 404 when ADMIN_TOKEN is unset. Any body is ignored.",
    responses: {
      200: jsonResponse(
        "Progress",
        z
          .object({ keyId: z.string(), moved: z.number().int(), skipped: z.number().int(), failed: z.number().int(), remaining: z.boolean() })
          .openapi("ReencryptResult", { example: { keyId: "k2", moved: 500, skipped: 0, failed: 0, remaining: true } }),
      ),
      ...errorResponses({ 401: ["unauthorized"], 404: ["not_found"], 413: ["payload_too_large"], 503: ["service_unavailable", "service_misconfigured"] }),
    },
  }),
  async (c) => {
    const { services } = c.var;
    const result = await reencryptPhones(services, BATCH, BATCHES);
    const keyId = services.keys.phoneKeys.current.id;
    logJson(result.failed > 0 ? "warn" : "info", { type: "maintenance", task: "reencrypt_phones", requestId: c.var.requestId, keyId, ...result });
    return c.json({ keyId, ...result }, 200);
  },
);

adminRoutes.openapi(
  createRoute({
    method: "post",
    path: "/resume-erasures",
    operationId: "resumeErasures",
    tags: ["maintenance"],
    security: [{ adminToken: [] }],
    summary: "Finish account erasures that failed half-way",
    description:
      "What the scheduled handler does every 10 minutes on Cloudflare (DATA-02), for self-hosted runs where cron triggers do not fire: " +
      "a scheduler (a Kubernetes CronJob, deploy/k8s) calls it instead. Resumes erasures started more than 5 minutes ago and answers how many " +
      "it finished, how many failed again and how many are still open. Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when ADMIN_TOKEN is unset. Any body is ignored.",
    responses: {
      200: jsonResponse(
        "Progress",
        z.object({ finished: z.number().int(), failed: z.number().int(), open: z.number().int() }).openapi("ResumeErasuresResult", { example: { finished: 1, failed: 0, open: 0 } }),
      ),
      ...errorResponses({ 401: ["unauthorized"], 404: ["not_found"], 413: ["payload_too_large"], 503: ["service_unavailable", "service_misconfigured"] }),
    },
  }),
  async (c) => {
    const { finished, failed, open } = await sweepErasures(c.var.services);
    // The same line as the scheduled run's, so one alert covers both.
    logJson(failed > 0 || open > 0 ? "warn" : "info", { type: "erasures", requestId: c.var.requestId, trigger: "admin", finished, failed, open });
    return c.json({ finished, failed, open }, 200);
  },
);
