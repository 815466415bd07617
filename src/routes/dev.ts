import { Hono } from "hono";
import { parseE164 } from "../domain/phone";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

/**
 * Development-only routes. They exist only while SMS_PROVIDER=console, which
 * config refuses in production; with any other provider they are 404.
 */
export const devRoutes = new Hono<AppEnv>();

devRoutes.use("*", async (c, next) => {
  if (c.var.config.sms.provider !== "console") throw new AuthError("not_found");
  return next();
});

devRoutes.get("/sms-outbox", async (c) => {
  // A literal "+" in a query string decodes to a space (?phone=+91…), which
  // is how people type it into curl or a browser; read it back as the plus.
  const phone = parseE164(c.req.query("phone")?.replace(/^ (?=\d)/, "+"));
  if (!phone) throw new AuthError("invalid_phone");
  const outbox = c.env.DEV_OUTBOX.get(c.env.DEV_OUTBOX.idFromName("outbox"));
  const messages = await outbox.list(phone.e164);
  c.header("Cache-Control", "no-store");
  return c.json({ messages });
});
