import { createMiddleware } from "hono/factory";
import { authenticate } from "../domain/sessions";
import type { AppEnv } from "../types";

/**
 * Sets `c.var.maybeAuth`: the session when an Authorization header is sent,
 * else null. A header that does not authenticate is refused (401), never
 * treated as absent: a client that meant to unlock its session must not be
 * silently signed in afresh instead.
 */
export function optionalSession() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    c.set("maybeAuth", header === undefined ? null : await authenticate(c.var.services, header));
    return next();
  });
}
