import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { twilioDeliveryStatus } from "../adapters/twilio/delivery-status";
import { STATUS_CALLBACK_PATH } from "../config-delivery";
import { parseReceiptTag, recordDeliveryStatus } from "../domain/delivery-receipts";
import { AuthError } from "../errors";
import { twilioSignature, type TwilioFormEnv } from "../middleware/twilio-signature";
import { commonHeaders, errorResponses } from "./schemas";

/** Provider callbacks (issue 13): Twilio's delivery receipts. Mounted at /webhooks. */
export const webhookRoutes = new OpenAPIHono<TwilioFormEnv>();

const TWILIO_STATUS = STATUS_CALLBACK_PATH.replace(/^\/webhooks/, "");

webhookRoutes.use(TWILIO_STATUS, twilioSignature((c) => c.var.config.delivery.statusCallbackUrl));

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
