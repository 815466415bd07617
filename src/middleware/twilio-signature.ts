import { createMiddleware } from "hono/factory";
import { isTwilioSignatureValid } from "../adapters/twilio/request-signature";
import { AuthError } from "../errors";
import { logJson } from "../lib/log";
import type { AppEnv } from "../types";

/** The form of a request whose Twilio signature was checked (middleware/twilio-signature). */
export type TwilioFormEnv = AppEnv & { Variables: { twilioForm: URLSearchParams } };

/**
 * Lets through only requests Twilio signed (HOOK-01): `X-Twilio-Signature`
 * over the configured callback URL (`publicUrl()` plus the query the request
 * came with) and the form parameters, keyed by TWILIO_AUTH_TOKEN. Anything
 * else is 403 `signature_invalid` and changes nothing. The Host header is
 * never used: it is the caller's to choose. The checked form is
 * `c.var.twilioForm`. When `publicUrl()` is null the route is off (404).
 */
export function twilioSignature(publicUrl: (c: { var: AppEnv["Variables"] }) => string | null) {
  return createMiddleware<TwilioFormEnv>(async (c, next) => {
    const url = publicUrl(c);
    if (!url) throw new AuthError("not_found");
    // Read as bytes: the body is a form, and .text() on one makes workerd warn on every callback.
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
    const names = [...form.keys()];
    const params = Object.fromEntries(form);
    // Twilio never repeats a parameter; a repeated one could hide a value from the signed set.
    const repeated = names.length !== Object.keys(params).length;
    const search = new URL(c.req.url).search;
    const valid = !repeated && (await isTwilioSignatureValid(c.var.config.sms.twilio.authToken, url + search, params, c.req.header("x-twilio-signature")));
    if (!valid) {
      // Why it was refused goes to the log only; the answer is the same for every refusal.
      logJson("warn", { type: "webhook_refused", requestId: c.var.requestId, path: new URL(c.req.url).pathname, reason: repeated ? "repeated_parameter" : "bad_signature" });
      throw new AuthError("signature_invalid");
    }
    c.set("twilioForm", form);
    return next();
  });
}
