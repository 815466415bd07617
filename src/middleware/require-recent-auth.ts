import { createMiddleware } from "hono/factory";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

/**
 * After `requireSession`: refuses (401 `step_up_required`) a session whose
 * last authentication (an OTP sign-in, a passkey or device-key unlock) is
 * older than `RECENT_AUTH_SECONDS`. Why: a stolen or long-idle token alone
 * must not be enough to add a credential or remove one.
 */
export function requireRecentAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const age = c.var.services.now() - c.var.auth.session.lastAuthAt;
    if (age > c.var.config.recentAuthSeconds * 1000) throw new AuthError("step_up_required");
    return next();
  });
}
