import { createMiddleware } from "hono/factory";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Refuses a request body that is not declared as JSON (415). */
export function requireJson() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "POST" && !JSON_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new AuthError("unsupported_media_type");
    }
    return next();
  });
}
