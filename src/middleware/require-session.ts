import { createMiddleware } from "hono/factory";
import { authenticate } from "../domain/sessions";
import type { AppEnv } from "../types";

/**
 * Requires `Authorization: Bearer <JWT>` with a live server-side session and
 * sets `c.var.auth`. Failures throw `unauthorized` or `session_revoked`.
 */
export function requireSession() {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("auth", await authenticate(c.var.services, c.req.header("authorization")));
    return next();
  });
}
