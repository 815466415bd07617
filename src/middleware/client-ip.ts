import { createMiddleware } from "hono/factory";
import { clientAddress, ipLimitSubject, MISSING_IP_SUBJECT } from "../domain/client-ip";
import { logJson } from "../lib/log";
import type { AppEnv } from "../types";

let warned = false;

/**
 * Resolves the per-IP limit subject from the source named by
 * CLIENT_IP_SOURCE (and TRUSTED_PROXY_HOPS) and sets `c.var.clientIp`.
 * Only that source is read: behind Cloudflare, `CF-Connecting-IP` is set by
 * the edge and a client cannot forge it, while `X-Forwarded-For` is whatever
 * the client sent unless a trusted proxy appends to it.
 */
export function clientIp() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { source, trustedProxyHops } = c.var.config.clientIp;
    const subject = ipLimitSubject(clientAddress((name) => c.req.header(name), source, trustedProxyHops));
    if (subject === MISSING_IP_SUBJECT && !warned) {
      // Once per isolate: every such request shares one per-IP bucket, which
      // means the deployment does not pass the address the config expects.
      warned = true;
      logJson("warn", {
        type: "deployment_warning",
        requestId: c.var.requestId,
        problem: "no_client_address",
        detail: `requests carry no client address in ${source}: per-IP limits share one bucket; set CLIENT_IP_SOURCE/TRUSTED_PROXY_HOPS (README, Deploy)`,
      });
    }
    c.set("clientIp", subject);
    return next();
  });
}

/** Test helper: lets the once-per-isolate warning fire again. */
export function resetClientIpWarning(): void {
  warned = false;
}
