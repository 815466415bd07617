import type { Channel } from "./delivery";
import type { AuthEventSink, OtpPurpose, SmsProviderName } from "./ports";

/**
 * Delivery receipts (Twilio status callbacks): the provider's status per
 * message id, kept RECEIPT_TTL_MS, with no phone number. Each message
 * carries its attribution in the callback URL it gives the provider (the
 * "receipt tag", signed back to us with the callback), so sending writes
 * nothing and the receipt needs no lookup of the send.
 */

export const RECEIPT_TTL_MS = 3 * 86_400_000;

/** Where a receipt stands: the provider's own status words map onto these. */
export type DeliveryState = "pending" | "delivered" | "failed";

export interface StoredReceipt {
  /** The provider's latest status word (queued, sent, delivered, undelivered, failed, completed, busy, …). */
  status: string;
  state: DeliveryState;
  /** The provider's numeric error code of a failure; null otherwise. */
  errorCode: number | null;
  updatedAt: number;
}

export interface DeliveryReceiptStore {
  /**
   * Stores the receipt for `messageId` unless a final one (delivered,
   * failed) is stored already: providers retry and may send statuses out of
   * order, and a final state is never replaced. True when this call made it
   * final, so a receipt is counted once however often it arrives.
   */
  record(messageId: string, receipt: StoredReceipt, expiresAt: number, now: number): Promise<boolean>;
  get(messageId: string, now: number): Promise<StoredReceipt | null>;
}

/** What the send knew, carried to the receipt. `prefix` is the keyed prefix id (budgets.ts), never digits of the number. */
export interface ReceiptTag {
  country: string | null;
  prefix: string;
  purpose: OtpPurpose;
  channel: Channel;
  sentAt: number;
}

const PURPOSES: readonly string[] = ["sign_in", "step_up", "phone_change"];

/** The tag as query parameters of the callback URL. */
export function receiptTag(tag: ReceiptTag): string {
  return new URLSearchParams({ c: tag.country ?? "", p: tag.prefix, u: tag.purpose, ch: tag.channel, t: String(tag.sentAt) }).toString();
}

/** The tag back from a callback's query; null when absent or malformed (the receipt is still stored, unattributed). */
export function parseReceiptTag(query: URLSearchParams): ReceiptTag | null {
  const country = query.get("c") ?? "";
  const prefix = query.get("p") ?? "";
  const purpose = query.get("u") ?? "";
  const channel = query.get("ch") ?? "";
  const sentAt = Number(query.get("t"));
  if (!/^([A-Z]{2})?$/.test(country) || !/^[0-9a-f]{32}$/.test(prefix) || !PURPOSES.includes(purpose)) return null;
  if ((channel !== "sms" && channel !== "voice") || !Number.isSafeInteger(sentAt) || sentAt <= 0) return null;
  return { country: country || null, prefix, purpose: purpose as OtpPurpose, channel, sentAt };
}

export interface DeliveryStatus {
  provider: SmsProviderName;
  messageId: string;
  status: string;
  state: DeliveryState;
  errorCode: number | null;
  tag: ReceiptTag | null;
}

export interface ReceiptDeps {
  receiptStore: DeliveryReceiptStore;
  events: AuthEventSink;
  now: () => number;
}

/**
 * Records a receipt. The first final one of a message is one `sms.status`
 * log line: the delivery metric (delivered or failed, the provider's error
 * code, country, purpose, time to delivery), beside `otp.sent` and
 * `otp.verified` for conversion. Receipts never loosen a limit: they are
 * the terminating carrier's word, which an SMS pumping run controls
 * (budgets.ts, checkConversion). A receipt older than RECEIPT_TTL_MS (by its
 * signed send time) is a replay: ignored, so it cannot be counted twice.
 */
export async function recordDeliveryStatus(deps: ReceiptDeps, r: DeliveryStatus): Promise<"recorded" | "stale"> {
  const now = deps.now();
  const { tag } = r;
  if (tag && now - tag.sentAt > RECEIPT_TTL_MS) return "stale";
  const first = await deps.receiptStore.record(r.messageId, { status: r.status, state: r.state, errorCode: r.errorCode, updatedAt: now }, now + RECEIPT_TTL_MS, now);
  if (!first) return "recorded";
  deps.events.emit({
    event: "sms.status",
    outcome: r.state === "delivered" ? "success" : "failure",
    reason: r.status,
    provider: r.provider,
    messageId: r.messageId,
    ...(r.errorCode !== null ? { providerCode: r.errorCode } : {}),
    ...(tag ? { channel: tag.channel, purpose: tag.purpose, ...(tag.country ? { country: tag.country } : {}), ...(tag.prefix ? { prefix: tag.prefix } : {}), latencyMs: Math.max(0, now - tag.sentAt) } : {}),
  });
  return "recorded";
}
