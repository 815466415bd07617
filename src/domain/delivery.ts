import { AuthError } from "../errors";
import type { SecretKeys } from "../lib/keys";
import { receiptTag } from "./delivery-receipts";
import type { Phone } from "./phone";
import { SmsSendError, SmsSendUnconfirmed, type AuthEvent, type AuthEventSink, type OtpPurpose, type SentMessage, type SmsProviderName, type SmsSender, type VoiceCaller } from "./ports";
import { composeSms, type MessagePolicy } from "./sms-message";
import { minutesOf } from "./templates";
import { sealCode } from "./voice-gate";
import { composeVoice, type VoicePolicy } from "./voice-message";

/**
 * Sending a code that passed every limit: by SMS through SMS_PROVIDER (and
 * once through SMS_FALLBACK_PROVIDER when the first definitely refused it),
 * or by a voice call. Every attempt is one log line naming its provider.
 */

export type Channel = "sms" | "voice";

export interface DeliveryDeps {
  sms: SmsSender;
  /** SMS_FALLBACK_PROVIDER; null: none. */
  smsFallback: SmsSender | null;
  /** The voice provider; null: voice codes are off. */
  voice: VoiceCaller | null;
  /** VOICE_KEYPRESS: a call asks for a key press before it says the code (src/domain/voice-gate.ts). */
  voiceKeypress: boolean;
  voicePolicy: VoicePolicy;
  /** Delivery receipts are asked for: each message carries its attribution (country, prefix, purpose, time). */
  receipts: boolean;
  keys: SecretKeys;
  events: AuthEventSink;
  /** The clock that times each provider request (the send lines' latencyMs). */
  now: () => number;
}

export interface CodeDelivery {
  phone: Phone;
  /** The number's keyed prefix id (budgets.ts, from the charge), for the receipt tag. */
  prefix: string;
  channel: Channel;
  purpose: OtpPurpose;
  code: string;
  ttlSeconds: number;
  message: MessagePolicy;
  /** The person's languages, most wanted first. */
  languages: readonly string[];
  /** When the send was charged: the receipt's send time (one clock for the budgets' hour and the receipt). */
  sentAt: number;
}

type Base = Omit<AuthEvent, "event" | "outcome">;

/**
 * Sends the code. Returns "sent" when a provider took it, "unconfirmed" when
 * the answer timed out (the message may arrive: SEND-08); otherwise throws 502
 * `sms_send_failed`. `giveBack` (withdraw the code, refund the budgets) runs
 * only when every provider tried definitely refused it: a message that may
 * have left is never refunded.
 */
export async function deliverCode(deps: DeliveryDeps, d: CodeDelivery, base: Base, giveBack: () => Promise<void>): Promise<"sent" | "unconfirmed"> {
  const minutes = minutesOf(d.ttlSeconds);
  const tag = deps.receipts ? receiptTag({ country: d.phone.country, prefix: d.prefix, purpose: d.purpose, channel: d.channel, sentAt: d.sentAt }) : undefined;
  const attempts: { provider: SmsProviderName; send: () => Promise<SentMessage> }[] = [];
  if (d.channel === "voice") {
    const voice = deps.voice;
    // send-code refuses voice without a caller before charging anything; this is the last guard.
    if (!voice) throw new AuthError("channel_not_supported");
    const spoken = composeVoice(deps.voicePolicy, d.phone, d.languages, d.code, d.ttlSeconds);
    // The seal lives as long as the code: a call delayed in Twilio's queue can still be heard.
    const gateToken = deps.voiceKeypress ? await sealCode(deps.keys, d.phone.e164, { code: d.code, language: spoken.language }, d.sentAt + d.ttlSeconds * 1000) : undefined;
    const call = { ...spoken, receiptTag: tag, gateToken };
    attempts.push({ provider: voice.provider, send: () => voice.call(call) });
  } else {
    const sms = { to: d.phone.e164, body: composeSms(d.message, d.languages, d.code, d.ttlSeconds), code: d.code, minutes, receiptTag: tag };
    for (const sender of deps.smsFallback ? [deps.sms, deps.smsFallback] : [deps.sms]) attempts.push({ provider: sender.provider, send: () => sender.send(sms) });
  }

  for (const [index, { provider, send }] of attempts.entries()) {
    const started = deps.now();
    const at = (): Base => ({ ...base, provider, channel: d.channel, ...(index > 0 ? { fallback: true as const } : {}), latencyMs: Math.max(0, deps.now() - started) });
    try {
      const sent = await send();
      deps.events.emit({ event: "otp.sent", outcome: "success", ...at(), ...(sent.messageId ? { messageId: sent.messageId } : {}) });
      return "sent";
    } catch (err) {
      const line = at();
      if (err instanceof SmsSendUnconfirmed) {
        // No answer (SEND-08): the message may have left and may still
        // arrive. No fallback (the person could get two codes' worth of
        // messages for one charge) and no refund (making the provider slow
        // would buy free messages). A timeout is answered as a send; a failed
        // connection is reported as a failure, so an outage shows.
        deps.events.emit({ event: "otp.send_unconfirmed", outcome: "failure", reason: err.reason, ...line });
        if (err.timedOut) return "unconfirmed";
        throw new AuthError("sms_send_failed", { cause: err });
      }
      if (!(err instanceof SmsSendError)) {
        // An unexpected failure says nothing about whether the message left: nothing is refunded.
        deps.events.emit({ event: "otp.send_failed", outcome: "failure", reason: "unexpected", ...line });
        throw new AuthError("sms_send_failed", { cause: err });
      }
      deps.events.emit({
        event: "otp.send_failed",
        outcome: "failure",
        reason: err.reason,
        ...line,
        ...(err.providerStatus !== undefined ? { providerStatus: err.providerStatus } : {}),
        ...(err.providerCode !== undefined ? { providerCode: err.providerCode } : {}),
        ...(err.providerError !== undefined ? { providerError: err.providerError } : {}),
      });
      // The provider refused it: the message never left. When the provider
      // itself is failing (not judging this message), the same code goes out
      // once through the fallback, if there is one. A verdict on the message
      // (an invalid or opted-out number, a country the account does not
      // permit) is final: the fallback must not route around it.
      if (err.providerFault && index < attempts.length - 1) continue;
      // Every provider refused: the code is withdrawn (an earlier code still
      // live is pending again) and the phone gets its slot back (SEND-05),
      // and the budgets their unit. Best effort; the send error wins.
      await giveBack().catch(() => undefined);
      throw new AuthError("sms_send_failed", { cause: err });
    }
  }
  throw new Error("unreachable: the last attempt returns or throws");
}
