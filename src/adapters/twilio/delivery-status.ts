import type { DeliveryState } from "../../domain/delivery-receipts";

/** Twilio's message statuses and call statuses, and where each stands. Anything else is still pending. */
const STATES: Readonly<Record<string, DeliveryState>> = {
  delivered: "delivered",
  read: "delivered",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
  // Some parts of a long message did not arrive: the code may be in one of them.
  partially_delivered: "failed",
  // Calls: "completed" is an answered call (with VOICE_KEYPRESS, `voice_keypress` lines say whether a key fetched the code).
  completed: "delivered",
  busy: "failed",
  "no-answer": "failed",
};

export interface TwilioStatus {
  messageId: string;
  status: string;
  state: DeliveryState;
  errorCode: number | null;
}

/**
 * The status in a Twilio status callback's form: a message's (MessageSid,
 * MessageStatus, ErrorCode) or a call's (CallSid, CallStatus). null when the
 * form is neither. Only ids, status words and numeric codes are read: the
 * form also holds the recipient's number, which is never kept.
 */
export function twilioDeliveryStatus(form: URLSearchParams): TwilioStatus | null {
  const messageSid = form.get("MessageSid") ?? form.get("SmsSid");
  const [messageId, rawStatus] = messageSid ? [messageSid, form.get("MessageStatus") ?? form.get("SmsStatus")] : [form.get("CallSid"), form.get("CallStatus")];
  if (!messageId || !/^(SM|MM|CA)[0-9a-fA-F]{32}$/.test(messageId)) return null;
  const status = (rawStatus ?? "").toLowerCase();
  if (!/^[a-z_-]{1,32}$/.test(status)) return null;
  const code = form.get("ErrorCode");
  const errorCode = code && /^\d{1,9}$/.test(code) ? Number(code) : null;
  return { messageId, status, state: Object.hasOwn(STATES, status) ? STATES[status]! : "pending", errorCode };
}
