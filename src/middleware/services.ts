import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RequestMeta } from "../domain/audit";
import { anonymisedNetwork, clientAddress, ipLimitSubject } from "../domain/client-ip";
import { requestCountry } from "../lib/request-country";
import { AuthError } from "../errors";
import { describeError, logJson } from "../lib/log";
import { buildServices, type ServiceOptions } from "../services";
import type { AppEnv } from "../types";

/** The request's network (from the configured address source only, cut to /24 or /48) and Cloudflare country. */
function requestMeta(c: Context<AppEnv>): RequestMeta {
  const { source, trustedProxyHops } = c.var.config.clientIp;
  const subject = ipLimitSubject(clientAddress((name) => c.req.header(name), source, trustedProxyHops));
  return { network: anonymisedNetwork(subject), country: requestCountry(c.req.raw) };
}

/**
 * Wires the ports for this request into `c.var.services`. A key that fails
 * to import (a malformed secret) is a configuration error, not a 500.
 */
export function services(options: ServiceOptions = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    try {
      c.set("services", await buildServices(c.env, c.var.config, c.var.requestId, options, (work) => c.executionCtx.waitUntil(work), requestMeta(c)));
    } catch (err) {
      logJson("error", { type: "config_invalid", requestId: c.var.requestId, ...describeError(err) });
      throw new AuthError("service_misconfigured", { cause: err });
    }
    await next();
    for (const store of [c.var.services.users, c.var.services.credentials]) {
      if (store.dispose) c.executionCtx.waitUntil(store.dispose());
    }
  });
}
