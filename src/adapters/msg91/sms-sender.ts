import { isProviderFaultStatus, providerRequest } from "../http/provider-request";

/** MSG91's codes about our account: invalid authkey (207, 401), IP blacklisted (208), no balance (301), IP not on the key's allow-list (418). */
const ACCOUNT_CODES = new Set([207, 208, 301, 401, 418]);
import { SmsSendError, SmsSendUnconfirmed, type SentMessage, type SmsMessage, type SmsSender } from "../../domain/ports";

export interface Msg91Options {
  authKey: string;
  /** The MSG91 template id of a DLT-approved template that holds the code variable. */
  templateId: string;
  /** The template's variable for the code (##otp## → "otp"), and optionally for its minutes. */
  codeVariable: string;
  minutesVariable?: string | undefined;
  /** https://control.msg91.com in production; a local fake in tests. */
  apiBase: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface Msg91Body {
  type?: unknown;
  message?: unknown;
  code?: unknown;
}

/** MSG91 writes numbers as digits with the country code and no `+`. */
export const msg91Mobile = (e164: string): string => e164.replace(/^\+/, "");

/** The flow request body: the template and one recipient with its variables (our code, and its minutes if the template has them). */
export function flowBody(opts: Pick<Msg91Options, "templateId" | "codeVariable" | "minutesVariable">, message: Pick<SmsMessage, "to" | "code" | "minutes">): string {
  const recipient: Record<string, string> = { mobiles: msg91Mobile(message.to), [opts.codeVariable]: message.code };
  if (opts.minutesVariable) recipient[opts.minutesVariable] = String(message.minutes);
  // short_url "0": MSG91 would otherwise rewrite links in the text.
  return JSON.stringify({ template_id: opts.templateId, short_url: "0", recipients: [recipient] });
}

/**
 * MSG91's Flow API (POST /api/v5/flow) with our own code. Under India's DLT
 * rules the text is the registered template's, so SMS_TEMPLATES and the
 * autofill lines do not apply: the template itself must hold them (docs/sms.md).
 * MSG91 answers some refusals with HTTP 200 and `"type":"error"`: the body
 * decides, not the status.
 */
export class Msg91SmsSender implements SmsSender {
  readonly provider = "msg91";

  constructor(private readonly opts: Msg91Options) {}

  async send(message: SmsMessage): Promise<SentMessage> {
    const headers = { authkey: this.opts.authKey, "content-type": "application/json", accept: "application/json" };
    const res = await providerRequest(this.opts.fetch, `${this.opts.apiBase}/api/v5/flow`, { method: "POST", headers, body: flowBody(this.opts, message) }, this.opts.timeoutMs);
    let body: Msg91Body = {};
    try {
      body = (await res.json()) as Msg91Body;
    } catch {
      // Not JSON (a proxy's error page): judged by the status alone.
    }
    if (res.ok && body.type === "success") {
      const id = typeof body.message === "string" && /^[A-Za-z0-9]{1,64}$/.test(body.message) ? body.message : null;
      return { messageId: id };
    }
    // A 2xx that is neither success nor error says nothing either way: the message may have left.
    if (res.ok && body.type !== "error") throw new SmsSendUnconfirmed("provider_unreadable", false);
    // Only MSG91's numeric code is kept, never its message text.
    const code = typeof body.code === "number" && Number.isInteger(body.code) ? body.code : typeof body.code === "string" && /^\d{1,9}$/.test(body.code) ? Number(body.code) : undefined;
    // A refusal with HTTP 200 is a fault of the provider path (the fallback may carry the code) only when MSG91's code
    // says it is about our account (balance, key, IP allow-list); anything else, or no code, is taken as a verdict on
    // this message (an invalid number…), which the fallback must not route around.
    const fault = res.ok ? code !== undefined && ACCOUNT_CODES.has(code) : isProviderFaultStatus(res.status);
    throw new SmsSendError(`provider_${res.status}`, res.status, code, undefined, fault);
  }
}
