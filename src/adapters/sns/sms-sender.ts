import { AwsV4Signer } from "aws4fetch";
import { SmsSendError, type SentMessage, type SmsMessage, type SmsSender } from "../../domain/ports";
import { isProviderFaultStatus, providerRequest } from "../http/provider-request";
import { xmlElementText } from "./xml";

export interface SnsOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** https://sns.{region}.amazonaws.com in production; a local fake in tests. */
  apiBase: string;
  /** Alphanumeric sender id, where the destination country allows one. */
  senderId?: string | undefined;
  /** A number of the account's to send from (US toll-free, 10DLC, …). */
  originationNumber?: string | undefined;
  /** The most one message may cost, in USD: SNS refuses to send a dearer one. */
  maxPriceUsd?: string | undefined;
  /** India (DLT): the registered principal entity id and template id. */
  entityId?: string | undefined;
  templateId?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** The signing clock (tests fix it). */
  now?: () => number;
}

/** AWS error names of our account or of the service, not of the message, whatever their HTTP status. */
const AWS_FAULT_CODES = new Set([
  "Throttled", "Throttling", "ThrottlingException", "RequestExpired", "AccessDenied", "AccessDeniedException", "AuthorizationError",
  "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken", "NotAuthorized", "OptInRequired",
  "InternalError", "InternalFailure", "ServiceUnavailable", "KMSThrottling", "KMSDisabled", "KMSAccessDenied", "KMSNotFound", "KMSInvalidState",
]);

/** `20150830T123600Z`, the form SigV4 signs. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** The Publish form: the message and its SMS attributes (Transactional: routed for reliability, not price). */
export function publishForm(opts: Pick<SnsOptions, "senderId" | "originationNumber" | "maxPriceUsd" | "entityId" | "templateId">, message: SmsMessage): URLSearchParams {
  const form = new URLSearchParams({ Action: "Publish", Version: "2010-03-31", PhoneNumber: message.to, Message: message.body });
  const attributes: [string, "String" | "Number", string | undefined][] = [
    ["AWS.SNS.SMS.SMSType", "String", "Transactional"],
    ["AWS.SNS.SMS.SenderID", "String", opts.senderId],
    ["AWS.MM.SMS.OriginationNumber", "String", opts.originationNumber],
    ["AWS.SNS.SMS.MaxPrice", "Number", opts.maxPriceUsd],
    ["AWS.MM.SMS.EntityId", "String", opts.entityId],
    ["AWS.MM.SMS.TemplateId", "String", opts.templateId],
  ];
  let n = 0;
  for (const [name, type, value] of attributes) {
    if (value === undefined) continue;
    n += 1;
    form.set(`MessageAttributes.entry.${n}.Name`, name);
    form.set(`MessageAttributes.entry.${n}.Value.DataType`, type);
    form.set(`MessageAttributes.entry.${n}.Value.StringValue`, value);
  }
  return form;
}

/**
 * AWS SNS `Publish` to a phone number over fetch, signed with SigV4 by
 * aws4fetch's signer (the AWS SDK is far too large for a Worker). The
 * request is sent once: aws4fetch's own retry loop is not used, since a
 * retried send could deliver a code twice. Errors map like Twilio's: an
 * answer that refuses is SmsSendError with AWS's error code name kept for
 * the log; an answer that cannot say whether the message was published is
 * SmsSendUnconfirmed (providerRequest).
 */
export class SnsSmsSender implements SmsSender {
  readonly provider = "sns";

  constructor(private readonly opts: SnsOptions) {}

  async send(message: SmsMessage): Promise<SentMessage> {
    const { accessKeyId, secretAccessKey, region } = this.opts;
    const signed = await new AwsV4Signer({
      url: `${this.opts.apiBase}/`,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: publishForm(this.opts, message).toString(),
      accessKeyId,
      secretAccessKey,
      service: "sns",
      region,
      datetime: amzDate(this.opts.now?.() ?? Date.now()),
    }).sign();

    const res = await providerRequest(this.opts.fetch, signed.url.toString(), { method: signed.method, headers: signed.headers, body: signed.body as string }, this.opts.timeoutMs);
    const text = await res.text().catch(() => "");
    if (res.ok) return { messageId: xmlElementText(text, "MessageId") };
    // AWS's error code name (InvalidParameter, Throttling, …) is kept; its message text may quote the number.
    const code = xmlElementText(text, "Code") ?? undefined;
    // Faults of ours or of SNS by status, and by name where AWS answers them with a 400 (throttling, clock skew, access);
    // any other 400 is about this message (InvalidParameter, OptedOut, …).
    const fault = isProviderFaultStatus(res.status) || (code !== undefined && AWS_FAULT_CODES.has(code));
    throw new SmsSendError(`provider_${res.status}`, res.status, undefined, code, fault);
  }
}
