import type { SentMessage, SmsMessage, SmsSender } from "../../domain/ports";
import { postTwilioForm, withTag, type TwilioRestOptions } from "./rest";

export interface TwilioOptions extends TwilioRestOptions {
  /** Sender number (E.164) or alphanumeric id; or use messagingServiceSid. */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /** Where Twilio posts delivery receipts (PUBLIC_URL + /webhooks/twilio/status); null: none asked for. */
  statusCallback?: string | null;
}

/**
 * Twilio Programmable Messaging over fetch: POST …/Messages.json with
 * form-encoded To, From or MessagingServiceSid, Body, and StatusCallback
 * when delivery receipts are on. Resolves with the message's SID.
 */
export class TwilioSmsSender implements SmsSender {
  readonly provider = "twilio";

  constructor(private readonly opts: TwilioOptions) {}

  send(message: SmsMessage): Promise<SentMessage> {
    const form = new URLSearchParams({ To: message.to, Body: message.body });
    if (this.opts.messagingServiceSid) form.set("MessagingServiceSid", this.opts.messagingServiceSid);
    else if (this.opts.from) form.set("From", this.opts.from);
    if (this.opts.statusCallback) form.set("StatusCallback", withTag(this.opts.statusCallback, message.receiptTag));
    return postTwilioForm(this.opts, "Messages", form);
  }
}
