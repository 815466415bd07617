import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AuthError } from "../errors";
import { loadSigningKey } from "../lib/jwt";
import { validationHook } from "../lib/validation";
import type { AppEnv } from "../types";
import { errorResponses } from "./schemas";

export const systemRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

systemRoutes.get("/healthz", (c) => c.json({ status: "ok" }));

systemRoutes.openapi(
  createRoute({
    method: "get",
    path: "/readyz",
    summary: "Readiness: 200 only when storage answers",
    responses: {
      200: { description: "Ready", content: { "application/json": { schema: z.object({ status: z.literal("ready") }) } } },
      ...errorResponses(503),
    },
  }),
  async (c) => {
    // Throws DependencyError (503) when the user store or code store is down.
    const { users, otps, now } = c.var.services;
    await Promise.all([users.ping(), otps.get("readyz-probe", "sign_in", now())]);
    return c.json({ status: "ready" as const }, 200);
  },
);

const JwkSchema = z.record(z.string(), z.unknown());

systemRoutes.openapi(
  createRoute({
    method: "get",
    path: "/.well-known/jwks.json",
    summary: "Public keys that verify access tokens",
    responses: {
      200: { description: "JWK set", content: { "application/json": { schema: z.object({ keys: z.array(JwkSchema) }) } } },
      ...errorResponses(503),
    },
  }),
  async (c) => {
    const key = await loadSigningKey(c.var.config.jwt.privateJwk).catch((err: unknown) => {
      throw new AuthError("service_misconfigured", { cause: err });
    });
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: [key.publicJwk as Record<string, unknown>] }, 200);
  },
);
