import { SmsSendError, type SentMessage } from "../../domain/ports";
import { isProviderFaultStatus, providerRequest } from "../http/provider-request";

// Twilio's 4xx codes that are about our account or sender, not this
// message: authentication, a wrong account SID, a suspended account, a From
// that is not ours or cannot send, the From's queue full. Every other 4xx is
// a verdict on the message (21211 invalid number, 21408 country not
// permitted, 21610 opted out, 21614 not mobile…).
const ACCOUNT_CODES = new Set([20003, 20005, 20404, 21212, 21606, 21611]);

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

/**
 * POSTs a form to /2010-04-01/Accounts/{Sid}/{resource}.json with Basic auth
 * (the `twilio` package does not run on Workers). An error answer becomes
 * SmsSendError with Twilio's numeric code kept for the log, never for the
 * client, and whether the refusal is a fault of ours or Twilio's
 * (`providerFault`); an answer that cannot say whether the message was
 * queued is SmsSendUnconfirmed (providerRequest).
 */
export async function postTwilioForm(opts: TwilioRestOptions, resource: "Messages" | "Calls", form: URLSearchParams): Promise<SentMessage> {
  const { accountSid, authToken, apiBase } = opts;
  const url = `${apiBase}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/${resource}.json`;
  const res = await providerRequest(
    opts.fetch,
    url,
    {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form.toString(),
    },
    opts.timeoutMs,
  );
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
  throw new SmsSendError(`provider_${res.status}`, res.status, code, undefined, isProviderFaultStatus(res.status) || (code !== undefined && ACCOUNT_CODES.has(code)));
}

/** The callback URL with the message's receipt tag as its query (signed back to us by Twilio). */
export function withTag(callbackUrl: string, tag: string | undefined): string {
  return tag ? `${callbackUrl}?${tag}` : callbackUrl;
}
