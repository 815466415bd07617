import { SmsSendUnconfirmed } from "../../domain/ports";

// A gateway that timed out waiting for the provider cannot say whether the
// message was queued: like our own timeout, that is not a refusal.
const UNCONFIRMED_STATUSES = new Set([504]);

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
    const withDeadline = { ...init, signal: AbortSignal.timeout(timeoutMs) };
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
