import { SmsSendError, SmsSendUnconfirmed, type SentMessage } from "../../domain/ports";

/** What the Twilio REST adapters share: account, credentials, base URL, deadline. */
export interface TwilioRestOptions {
  accountSid: string;
  authToken: string;
  /** https://api.twilio.com in production; a local fake in tests. */
  apiBase: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface TwilioBody {
  sid?: unknown;
  code?: unknown;
}

// A gateway that timed out waiting for Twilio cannot say whether the message
// or call was queued: like our own timeout, that is not a refusal.
const UNCONFIRMED_STATUSES = new Set([504]);

/**
 * POSTs a form to /2010-04-01/Accounts/{Sid}/{resource}.json with Basic auth
 * (the `twilio` package does not run on Workers). An error answer becomes
 * SmsSendError with Twilio's numeric code kept for the log, never for the
 * client; no answer (timeout, lost connection, 504) becomes SmsSendUnconfirmed.
 */
export async function postTwilioForm(opts: TwilioRestOptions, resource: "Messages" | "Calls", form: URLSearchParams): Promise<SentMessage> {
  const { accountSid, authToken, apiBase } = opts;
  const fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
  const url = `${apiBase}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/${resource}.json`;
  let res: Response;
  try {
    res = await fetcher(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form.toString(),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    // No answer: the request may have reached Twilio and the message may
    // be on its way. Only an answer can say it was refused (SEND-08).
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new SmsSendUnconfirmed(timedOut ? "timeout" : "network", timedOut);
  }
  if (UNCONFIRMED_STATUSES.has(res.status)) {
    await res.body?.cancel();
    throw new SmsSendUnconfirmed(`provider_${res.status}`, true);
  }
  let body: TwilioBody = {};
  try {
    body = (await res.json()) as TwilioBody;
  } catch {
    // Not JSON: an accepted message keeps no id; a refusal keeps its status.
  }
  if (res.ok) return { messageId: typeof body.sid === "string" && /^[A-Za-z0-9]{1,64}$/.test(body.sid) ? body.sid : null };
  // Only Twilio's numeric code is kept (21211 invalid number, 21408 region
  // not enabled, ...): its message text may quote the recipient.
  const code = typeof body.code === "number" && Number.isInteger(body.code) ? body.code : undefined;
  throw new SmsSendError(`provider_${res.status}`, res.status, code);
}

/** The callback URL with the message's receipt tag as its query (signed back to us by Twilio). */
export function withTag(callbackUrl: string, tag: string | undefined): string {
  return tag ? `${callbackUrl}?${tag}` : callbackUrl;
}
