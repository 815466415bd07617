import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types";

export interface CorsFromConfigOptions {
  /**
   * Methods a preflight may allow: only those the routes use (HEAD needs no
   * preflight). Default `["GET", "POST", "OPTIONS"]`.
   */
  allowMethods?: readonly string[];
}

/**
 * CORS limited to the origins in CORS_ORIGINS (IN-02). With none configured
 * no cross-origin browser call is allowed; server-to-server calls are not
 * affected by CORS at all.
 */
export function corsFromConfig(options: CorsFromConfigOptions = {}) {
  const allowMethods = [...(options.allowMethods ?? ["GET", "POST", "OPTIONS"])];
  // One handler per allowed-origin list (the config is frozen and parsed once
  // per isolate), instead of a new one on every request.
  const handlers = new WeakMap<readonly string[], MiddlewareHandler>();
  const none: readonly string[] = [];
  return createMiddleware<AppEnv>(async (c, next) => {
    const origins = c.var.config?.corsOrigins ?? none;
    let handler = handlers.get(origins);
    if (!handler) {
      handler = cors({
        origin: (origin) => (origins.includes(origin) ? origin : null),
        allowMethods,
        allowHeaders: ["Authorization", "Content-Type", "X-Request-Id", "Idempotency-Key"],
        exposeHeaders: ["Retry-After", "X-Request-Id", "WWW-Authenticate", "Allow", "Idempotent-Replayed"],
        maxAge: 600,
      });
      handlers.set(origins, handler);
    }
    return handler(c, next);
  });
}
