import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import { AuthError } from "../errors";
import { errorResponse } from "../lib/http-error";
import { logJson } from "../lib/log";
import type { AppEnv } from "../types";

export interface ConfigMiddlewareOptions {
  /** Paths served even when configuration is invalid (liveness probes). */
  allowWhenMisconfigured?: readonly string[];
}

const reported = new WeakSet<object>();

/**
 * Parses the settings once per isolate and exposes them as `c.var.config`.
 * Bad settings never crash-loop the Worker: the problems are logged once
 * and every request gets 503 `service_misconfigured`.
 */
export function configMiddleware(options: ConfigMiddlewareOptions = {}) {
  const allowed = new Set(options.allowWhenMisconfigured ?? []);
  return createMiddleware<AppEnv>(async (c, next) => {
    const result = loadConfig(c.env);
    if (result.ok) {
      c.set("config", result.config);
      return next();
    }
    if (!reported.has(c.env)) {
      reported.add(c.env);
      logJson("error", { type: "config_invalid", problems: result.problems });
    }
    if (allowed.has(c.req.path)) return next();
    return errorResponse(c, new AuthError("service_misconfigured"));
  });
}
