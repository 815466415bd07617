import { createMiddleware } from "hono/factory";
import { TrieRouter } from "hono/router/trie-router";
import type { RouterRoute } from "hono/types";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

export interface MethodNotAllowedOptions {
  /**
   * The app's routes (`() => app.routes`), read once on the first request,
   * after every route is registered. Middleware entries (method `ALL`) are
   * ignored: only real endpoints make a path "known".
   */
  routes: () => readonly RouterRoute[];
  /** Methods answered on every path by other middleware (CORS preflight). Default `["OPTIONS"]`. */
  alwaysAllowed?: readonly string[];
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * Answers 405 `method_not_allowed` with an `Allow` header when the path has
 * endpoints but none for this method (GET /auth/request-otp). The allowed
 * set comes from the registered routes themselves; HEAD is allowed wherever
 * GET is (Hono answers it from the GET handler). Unknown paths pass through
 * to the 404 handler. Mount it before anything that checks credentials or
 * bodies, so a wrong method is reported as such.
 */
export function methodNotAllowed(options: MethodNotAllowedOptions) {
  const always = options.alwaysAllowed ?? ["OPTIONS"];
  let router: TrieRouter<string> | undefined;
  const allowedFor = (path: string): Set<string> => {
    if (!router) {
      router = new TrieRouter<string>();
      for (const route of options.routes()) {
        if (route.method !== "ALL") router.add("ALL", route.path, route.method.toUpperCase());
      }
    }
    const [matches] = router.match("ALL", path);
    return new Set(matches.map(([method]) => method));
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const methods = allowedFor(c.req.path);
    if (methods.size === 0) return next();
    if (methods.has("GET")) methods.add("HEAD");
    for (const m of always) methods.add(m);
    const method = c.req.method.toUpperCase();
    if (methods.has(method)) return next();
    const allow = [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    c.header("Allow", allow.join(", "));
    throw new AuthError("method_not_allowed");
  });
}

function rank(method: string): number {
  const i = ORDER.indexOf(method);
  return i === -1 ? ORDER.length : i;
}
