import type { SentMessage, VoiceCaller, VoiceMessage } from "../../domain/ports";
import { postTwilioForm, withTag, type TwilioRestOptions } from "./rest";

export interface TwilioVoiceOptions extends TwilioRestOptions {
  /** The caller id: a Twilio number (E.164) of this account. */
  from: string;
  /** Where Twilio posts the call's status (PUBLIC_URL + /webhooks/twilio/status); null: none. */
  statusCallback?: string | null;
  /** VOICE_KEYPRESS: where a key press fetches the code's words (PUBLIC_URL + /webhooks/twilio/voice); null: said at once. */
  keypressUrl?: string | null;
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text safe inside an XML element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/**
 * The call's TwiML: each line one `<Say>` in the message's language, a
 * one-second pause between them (the code is read, then read again).
 */
export function voiceTwiml(message: Pick<VoiceMessage, "language" | "lines">): string {
  const language = escapeXml(message.language);
  const says = message.lines.map((line) => `<Say language="${language}">${escapeXml(line)}</Say>`);
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${says.join('<Pause length="1"/>')}</Response>`;
}

/**
 * The TwiML of a gated call: the prompt, twice, inside a one-key `<Gather>`
 * whose action fetches the sealed words; no key (a voicemail box, a call
 * left unanswered), no words: the call ends when the Gather times out.
 */
export function keypressTwiml(message: Pick<VoiceMessage, "prompt">, action: string): string {
  const language = escapeXml(message.prompt.language);
  const say = `<Say language="${language}">${escapeXml(message.prompt.text)}</Say>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" finishOnKey="" timeout="8" method="POST" action="${escapeXml(action)}">${say}<Pause length="1"/>${say}</Gather></Response>`;
}

/**
 * Twilio Programmable Voice over fetch: POST …/Calls.json with form-encoded
 * To, From and inline Twiml: the code said at once, or (VOICE_KEYPRESS) a
 * prompt whose key press fetches the sealed words. No URL serves a code in
 * clear text. Resolves with the call's SID.
 */
export class TwilioVoiceCaller implements VoiceCaller {
  readonly provider = "twilio";

  constructor(private readonly opts: TwilioVoiceOptions) {}

  call(message: VoiceMessage): Promise<SentMessage> {
    const gated = this.opts.keypressUrl && message.gateToken ? `${this.opts.keypressUrl}?${new URLSearchParams({ v: message.gateToken }).toString()}` : null;
    const form = new URLSearchParams({ To: message.to, From: this.opts.from, Twiml: gated ? keypressTwiml(message, gated) : voiceTwiml(message) });
    if (this.opts.statusCallback) {
      form.set("StatusCallback", withTag(this.opts.statusCallback, message.receiptTag));
      // Only the final state: Twilio sends "completed" (or busy, no-answer, failed, canceled) by default.
      form.set("StatusCallbackMethod", "POST");
    }
    return postTwilioForm(this.opts, "Calls", form);
  }
}
