import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types";

/**
 * CORS limited to the origins in CORS_ORIGINS (IN-02). With none configured
 * no cross-origin browser call is allowed; server-to-server calls are not
 * affected by CORS at all.
 */
export function corsFromConfig() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const origins = c.var.config?.corsOrigins ?? [];
    const handler = cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
      exposeHeaders: ["Retry-After", "X-Request-Id"],
      maxAge: 600,
    });
    return handler(c, next);
  });
}
