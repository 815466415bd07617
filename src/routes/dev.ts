import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { parseE164 } from "../domain/phone";
import { AuthError, DependencyError } from "../errors";
import type { AppEnv } from "../types";
import { EXAMPLES } from "./examples";
import { errorResponses, EXAMPLE_PHONE, jsonResponse } from "./schemas";

/** Path of the dev outbox, as mounted by the app (the OpenAPI document drops it unless enabled). */
export const DEV_OUTBOX_PATH = "/dev/sms-outbox";

/**
 * Development-only routes. They exist only while SMS_PROVIDER=console, which
 * config refuses in production; with any other provider they are 404. The
 * app mounts this guard on /dev/* before its 405 check, so a disabled route
 * does not even reveal its methods.
 */
export const devOnly = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.config.sms.provider !== "console") throw new AuthError("not_found");
    return next();
  });

/** Mounted at /dev behind devOnly() (src/app.ts). */
export const devRoutes = new OpenAPIHono<AppEnv>();

const OutboxMessage = z.object({
  to: z.string().openapi({ example: EXAMPLE_PHONE }),
  body: z.string().openapi({ example: "Your sign-in code is 123456. It expires in 5 minutes. Never share it." }),
  sentAt: z.iso.datetime().openapi({ example: "2026-01-01T12:00:00.000Z" }),
  channel: z.enum(["sms", "voice"]).openapi({ description: "`voice`: the text the call would have read (VOICE_COUNTRIES_ALLOW)", example: "sms" }),
});

devRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sms-outbox",
    operationId: "getDevSmsOutbox",
    tags: ["dev"],
    security: [],
    summary: "Messages the console SMS provider sent to a phone (development only)",
    description:
      "Only served while SMS_PROVIDER=console (never in production); with any other provider the path is 404 and " +
      "absent from this document. Newest first: up to the 20 latest messages to the phone, among the last 200 sent to any phone.",
    request: {
      query: z.object({
        phone: z.string().openapi({
          param: { description: "E.164 phone number; a literal `+` (decoded as a space) is accepted" },
          example: EXAMPLE_PHONE,
        }),
      }),
    },
    responses: {
      200: jsonResponse("Messages, newest first", z.object({ messages: z.array(OutboxMessage) }), EXAMPLES.smsOutbox),
      ...errorResponses({ 400: ["invalid_phone"], 503: ["service_unavailable", "service_misconfigured"] }, { invalid_phone: "`phone` is missing, repeated, or not a valid E.164 number" }),
    },
  }),
  async (c) => {
    // A literal "+" in a query string decodes to a space (?phone=+91…), which
    // is how people type it into curl or a browser; read it back as the plus.
    const phone = parseE164(c.req.valid("query").phone.replace(/^ (?=\d)/, "+"));
    if (!phone) throw new AuthError("invalid_phone");
    const outbox = c.env.DEV_OUTBOX.get(c.env.DEV_OUTBOX.idFromName("outbox"));
    const messages = await outbox.list(phone.e164).catch((err: unknown) => {
      throw new DependencyError("dev outbox", err);
    });
    return c.json({ messages: messages.map((m) => ({ ...m, channel: m.channel ?? "sms" })) }, 200);
  },
  // A missing or repeated phone is just as much an invalid phone.
  (result) => {
    if (!result.success) throw new AuthError("invalid_phone");
  },
);
