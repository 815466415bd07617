import { SmsSendUnconfirmed } from "../../domain/ports";

// Answers that cannot say whether the message was queued: the provider's
// own internal error, and gateways that reached it but lost or timed out on
// its answer (502, 504; Cloudflare's 520 and 524). Like our own timeout,
// that is not a refusal.
const UNCONFIRMED_STATUSES = new Set([500, 502, 504, 520, 524]);

/**
 * Statuses that say the provider took no message at all, whatever the
 * message: our credentials or account (401, 403), a request it did not wait
 * for (408), throttling (429), an outage (501, 503, and Cloudflare's
 * 521-523, 525, 526: the origin never got it). The unconfirmed ones above
 * never get here.
 */
export function isProviderFaultStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 429 || status >= 501;
}

/**
 * One request to a message provider (Twilio, SNS, MSG91), with a deadline
 * and never retried: a retried send could deliver a code twice. No answer
 * (timeout, lost connection) or a gateway's 504 throws SmsSendUnconfirmed:
 * the request may have reached the provider and the message may be on its
 * way, and only an answer can say it was refused (SEND-08). Any other
 * answer is returned for the adapter to read.
 */
export async function providerRequest(fetcher: typeof fetch | undefined, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    // Never follow a redirect: the credentials in the headers would go along to wherever it points.
    const withDeadline: RequestInit = { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) };
    res = await (fetcher ? fetcher(url, withDeadline) : fetch(url, withDeadline));
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new SmsSendUnconfirmed(timedOut ? "timeout" : "network", timedOut);
  }
  if (UNCONFIRMED_STATUSES.has(res.status)) {
    await res.body?.cancel();
    throw new SmsSendUnconfirmed(`provider_${res.status}`, true);
  }
  return res;
}
