import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { twilioDeliveryStatus } from "../adapters/twilio/delivery-status";
import { voiceTwiml } from "../adapters/twilio/voice-caller";
import { STATUS_CALLBACK_PATH, VOICE_KEYPRESS_PATH } from "../config-delivery";
import { parseReceiptTag, recordDeliveryStatus } from "../domain/delivery-receipts";
import { answerKeypress } from "../domain/voice-gate";
import { AuthError } from "../errors";
import { logJson } from "../lib/log";
import { twilioSignature, type TwilioFormEnv } from "../middleware/twilio-signature";
import { commonHeaders, errorResponses } from "./schemas";

/** Provider callbacks (issue 13): Twilio's delivery receipts and the key press of gated voice codes. Mounted at /webhooks. */
export const webhookRoutes = new OpenAPIHono<TwilioFormEnv>();

const TWILIO_STATUS = STATUS_CALLBACK_PATH.replace(/^\/webhooks/, "");
const TWILIO_VOICE = VOICE_KEYPRESS_PATH.replace(/^\/webhooks/, "");

webhookRoutes.use(TWILIO_STATUS, twilioSignature((c) => c.var.config.delivery.statusCallbackUrl));
webhookRoutes.use(TWILIO_VOICE, twilioSignature((c) => c.var.config.delivery.voice?.keypressUrl ?? null));

const HANG_UP = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: TWILIO_STATUS,
    operationId: "twilioStatusCallback",
    tags: ["webhooks"],
    security: [],
    summary: "Twilio delivery receipt (called by Twilio, not by apps)",
    description:
      "Twilio posts a message's or a call's status here; the server sets this URL as `StatusCallback` on every send when PUBLIC_URL " +
      "is set and Twilio carries codes (SMS_PROVIDER, SMS_FALLBACK_PROVIDER or voice). The form (MessageSid, MessageStatus, " +
      "ErrorCode, or CallSid, CallStatus) must carry a valid `X-Twilio-Signature` (HMAC-SHA1 with TWILIO_AUTH_TOKEN over PUBLIC_URL + " +
      "this path + the query, and the sorted parameters); anything else is 403 and changes nothing. The status is kept per message " +
      "id for 3 days, with no phone number; the first final one (delivered, failed) is logged once as `sms.status`. 404 when " +
      "receipts are off.",
    request: {
      headers: z.object({ "x-twilio-signature": z.string().optional().openapi({ description: "Twilio's signature of this request" }) }),
    },
    responses: {
      204: { description: "Recorded (a repeated or out-of-order status changes nothing)", headers: commonHeaders },
      ...errorResponses(
        { 400: ["invalid_request"], 403: ["signature_invalid"], 404: ["not_found"], 413: ["payload_too_large"], 503: ["service_unavailable", "service_misconfigured"] },
        { invalid_request: "Signed, but not a message or call status" },
      ),
    },
  }),
  async (c) => {
    const status = twilioDeliveryStatus(c.var.twilioForm);
    if (!status) throw new AuthError("invalid_request");
    const tag = parseReceiptTag(new URL(c.req.url).searchParams);
    await recordDeliveryStatus(c.var.services, { provider: "twilio", ...status, tag });
    return c.body(null, 204);
  },
);

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: TWILIO_VOICE,
    operationId: "twilioVoiceKeypress",
    tags: ["webhooks"],
    security: [],
    summary: "Key press of a gated voice code (called by Twilio, not by apps)",
    description:
      "With VOICE_KEYPRESS=true a voice code's call first asks for a key press; Twilio's `<Gather>` posts it here with the sealed " +
      "words in the query (`v`). The request must carry a valid `X-Twilio-Signature` over PUBLIC_URL + this path + the query " +
      "(403 otherwise). The answer is TwiML: the code, said twice, when a key was pressed and the seal opens for the called number " +
      "(`To`) while the code lives; otherwise a hang-up (logged as `voice_keypress` with the reason). 404 unless VOICE_KEYPRESS=true " +
      "with Twilio voice.",
    request: {
      headers: z.object({ "x-twilio-signature": z.string().optional().openapi({ description: "Twilio's signature of this request" }) }),
      query: z.object({ v: z.string().optional().openapi({ description: "The sealed words (opaque)" }) }),
    },
    responses: {
      200: { description: "TwiML: the code said twice, or a hang-up", headers: commonHeaders, content: { "text/xml": { schema: z.string() } } },
      ...errorResponses(
        { 400: ["invalid_request"], 403: ["signature_invalid"], 404: ["not_found"], 413: ["payload_too_large"], 503: ["service_unavailable", "service_misconfigured"] },
        { invalid_request: "The query repeats `v`" },
      ),
    },
  }),
  async (c) => {
    const form = c.var.twilioForm;
    const answer = await answerKeypress(c.var.services, form.get("To") ?? "", form.get("Digits") ?? "", new URL(c.req.url).searchParams.get("v") ?? "", Date.now());
    // The key press is the voice code's delivery: one line either way (never the code, never the number).
    logJson("say" in answer ? "info" : "warn", { type: "voice_keypress", requestId: c.var.requestId, outcome: "say" in answer ? "said" : "hung_up", ...("hangUp" in answer ? { reason: answer.hangUp } : {}) });
    return c.body("say" in answer ? voiceTwiml(answer.say) : HANG_UP, 200, { "content-type": "text/xml; charset=utf-8" });
  },
);
