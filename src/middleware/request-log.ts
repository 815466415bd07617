import { createMiddleware } from "hono/factory";
import { logJson } from "../lib/log";
import type { AppEnv } from "../types";

export interface RequestLogOptions {
  /** Paths not logged (noisy probes). */
  skip?: readonly string[];
}

/**
 * One structured line per request. Only the path is logged, never the query
 * string or body, which may hold a phone number.
 */
export function requestLog(options: RequestLogOptions = {}) {
  const skip = new Set(options.skip ?? []);
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    await next();
    if (skip.has(c.req.path)) return;
    logJson(c.res.status >= 500 ? "error" : "info", {
      type: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.routePath && c.req.routePath !== "/*" ? c.req.routePath : c.req.path.slice(0, 128),
      status: c.res.status,
      durationMs: Date.now() - started,
      colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo,
    });
  });
}
