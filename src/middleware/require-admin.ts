import { createMiddleware } from "hono/factory";
import { AuthError } from "../errors";
import { constantTimeEqual, sha256 } from "../lib/crypto";
import type { AppEnv } from "../types";

/**
 * Guards the maintenance routes with `Authorization: Bearer <ADMIN_TOKEN>`.
 * Unset ADMIN_TOKEN: 404, as if the routes did not exist. Why hashes: both
 * sides are SHA-256 digests of equal length, so the constant-time compare
 * leaks neither the token's content nor its length.
 */
export function requireAdmin() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const expected = c.var.config.adminToken;
    if (!expected) throw new AuthError("not_found");
    const given = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
    if (!constantTimeEqual(a, b)) throw new AuthError("unauthorized");
    return next();
  });
}
