import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types";

/**
 * `Cache-Control: no-store` on every response of the routes it is mounted on
 * (tokens, user and session data, the dev outbox): no browser, proxy or CDN
 * may keep a copy. Set before the handler runs, so it covers success and
 * error answers alike; a handler may still set its own value.
 */
export function noStore() {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  });
}
