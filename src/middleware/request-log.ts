import { createMiddleware } from "hono/factory";
import type { Config } from "../config";
import { logJson } from "../lib/log";
import type { AppEnv } from "../types";

export interface RequestLogOptions {
  /** Paths never logged (noisy probes). */
  skip?: readonly string[];
}

/** Whether a response of `status` gets a request line under the configured mode. */
export function wantsRequestLine(mode: Config["requestLog"], status: number): boolean {
  if (mode === "all") return true;
  return status >= (mode === "errors" ? 400 : 500);
}

/**
 * One structured line per request, as `REQUEST_LOG` asks (default: status ≥
 * 400). Why not every request by default: Cloudflare's invocation logs (and
 * `wrangler dev`'s own request line) already record every request's path,
 * status and duration, every auth outcome has its own auth_event line with
 * the request id, and each extra line costs CPU (under `wrangler dev` several
 * milliseconds, see docs/benchmarks.md). When the settings cannot be read
 * (every answer is then a 503) the line is written. Only the path is logged, never the query string
 * or body, which may hold a phone number.
 */
export function requestLog(options: RequestLogOptions = {}) {
  const skip = new Set(options.skip ?? []);
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    await next();
    const status = c.res.status;
    if (skip.has(c.req.path) || !wantsRequestLine(c.var.config?.requestLog ?? "all", status)) return;
    logJson(status >= 500 ? "error" : "info", {
      type: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.routePath && c.req.routePath !== "/*" ? c.req.routePath : c.req.path.slice(0, 128),
      status,
      durationMs: Date.now() - started,
      colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo,
    });
  });
}
