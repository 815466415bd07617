import { SmsSendError, SmsSendUnconfirmed, type SmsMessage, type SmsSender } from "../../domain/ports";

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) or alphanumeric id; or use messagingServiceSid. */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /** https://api.twilio.com in production; a local fake in tests. */
  apiBase: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface TwilioErrorBody {
  code?: unknown;
}

// A gateway that timed out waiting for Twilio cannot say whether the message
// was queued: like our own timeout, that is not a refusal.
const UNCONFIRMED_STATUSES = new Set([504]);

/**
 * Twilio Programmable Messaging over fetch (the `twilio` package does not run
 * on Workers): POST /2010-04-01/Accounts/{Sid}/Messages.json, Basic auth,
 * form-encoded To, From or MessagingServiceSid, Body. An error answer becomes
 * SmsSendError with Twilio's numeric code kept for the log, never for the
 * client; no answer (timeout, lost connection, 504) becomes SmsSendUnconfirmed.
 */
export class TwilioSmsSender implements SmsSender {
  private readonly fetcher: typeof fetch;

  constructor(private readonly opts: TwilioOptions) {
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async send(message: SmsMessage): Promise<void> {
    const { accountSid, authToken, apiBase } = this.opts;
    const form = new URLSearchParams({ To: message.to, Body: message.body });
    if (this.opts.messagingServiceSid) form.set("MessagingServiceSid", this.opts.messagingServiceSid);
    else if (this.opts.from) form.set("From", this.opts.from);
    const url = `${apiBase}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;

    let res: Response;
    try {
      res = await this.fetcher(url, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      // No answer: the request may have reached Twilio and the message may
      // be on its way. Only an answer can say it was refused (SEND-08).
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new SmsSendUnconfirmed(timedOut ? "timeout" : "network", timedOut);
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    if (UNCONFIRMED_STATUSES.has(res.status)) {
      await res.body?.cancel();
      throw new SmsSendUnconfirmed(`provider_${res.status}`, true);
    }
    let body: TwilioErrorBody = {};
    try {
      body = (await res.json()) as TwilioErrorBody;
    } catch {
      // Non-JSON error page: the status alone is kept.
    }
    // Only Twilio's numeric code is kept (21211 invalid number, 21408 region
    // not enabled, ...): its message text may quote the recipient.
    const code = typeof body.code === "number" && Number.isInteger(body.code) ? body.code : undefined;
    throw new SmsSendError(`provider_${res.status}`, res.status, code);
  }
}
