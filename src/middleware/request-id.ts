import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types";

/** What an adopted request id may look like: 1–64 of `[A-Za-z0-9._-]`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface RequestIdOptions {
  /** Header read from the request and echoed on the response. Default `X-Request-Id`. */
  headerName?: string;
  /** Makes a fresh id when the incoming one is absent or malformed. Default `crypto.randomUUID()`. */
  generate?: () => string;
}

/**
 * Sets `c.var.requestId` and echoes it in the response header. An incoming id
 * is adopted only when it is well formed (REQUEST_ID_PATTERN), so a caller
 * cannot put spaces, control characters, slashes or kilobytes of text into
 * our logs and headers; anything else is replaced by a fresh id.
 */
export function requestId(options: RequestIdOptions = {}) {
  const headerName = options.headerName ?? "X-Request-Id";
  const generate = options.generate ?? (() => crypto.randomUUID());
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header(headerName);
    const id = incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    c.header(headerName, id);
    await next();
  });
}
