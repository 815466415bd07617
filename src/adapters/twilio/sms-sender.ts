import { SmsSendError, type SmsMessage, type SmsSender } from "../../domain/ports";

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
  code?: number;
  message?: string;
  status?: number;
}

/**
 * Twilio Programmable Messaging over fetch (the `twilio` package does not run
 * on Workers): POST /2010-04-01/Accounts/{Sid}/Messages.json, Basic auth,
 * form-encoded To, From or MessagingServiceSid, Body. Errors become
 * SmsSendError with Twilio's code kept for the log, never for the client.
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
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new SmsSendError(timedOut ? "timeout" : "network");
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    let body: TwilioErrorBody = {};
    try {
      body = (await res.json()) as TwilioErrorBody;
    } catch {
      // Non-JSON error page: the status alone is kept.
    }
    throw new SmsSendError(`provider_${res.status}`, res.status, body.code);
  }
}
