import { createMiddleware } from "hono/factory";
import { riskPending } from "../domain/sessions";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

/**
 * After `requireSession`: refuses (401 `step_up_required`) a session whose
 * last authentication (an OTP sign-in or step-up code, a passkey or
 * device-key unlock) is older than `RECENT_AUTH_SECONDS`, or was a PIN
 * unlock. Why: a stolen or long-idle token alone must not be enough to add a
 * credential, remove one or change the PIN; and a PIN only unlocks a session
 * (PIN-01): if it could enrol a passkey, whoever guessed it could later sign
 * in from anywhere without the device.
 */
export function requireRecentAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { session } = c.var.auth;
    const age = c.var.services.now() - session.lastAuthAt;
    // A risky sign-in's session counts only once unlocked (issue 10, section 7).
    if (age > c.var.config.recentAuthSeconds * 1000 || isPinOnly(session.amr) || riskPending(session)) throw new AuthError("step_up_required");
    return next();
  });
}

/** The last authentication was a PIN and nothing stronger. */
function isPinOnly(amr: readonly string[] | undefined): boolean {
  return amr !== undefined && amr.length > 0 && amr.every((m) => m === "pin");
}
