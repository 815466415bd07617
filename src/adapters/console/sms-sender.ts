import type { SentMessage, SmsMessage, SmsSender, VoiceCaller, VoiceMessage } from "../../domain/ports";
import type { DevOutbox } from "../../durable-objects/dev-outbox";

/**
 * Development SMS and voice provider: prints the message (or what the call
 * would say) and keeps it in the dev outbox (GET /dev/sms-outbox). Config
 * refuses it when ENVIRONMENT=production, because its whole point is to
 * reveal codes.
 */
export class ConsoleSmsSender implements SmsSender, VoiceCaller {
  readonly provider = "console";

  constructor(private readonly outbox: DurableObjectNamespace<DevOutbox>) {}

  async send(message: SmsMessage): Promise<SentMessage> {
    return this.keep(message.to, message.body, "sms");
  }

  async call(message: VoiceMessage): Promise<SentMessage> {
    return this.keep(message.to, `[${message.language}] ${message.lines.join(" … ")}`, "voice");
  }

  private async keep(to: string, body: string, channel: "sms" | "voice"): Promise<SentMessage> {
    const sentAt = new Date().toISOString();
    await this.outbox.get(this.outbox.idFromName("outbox")).add({ to, body, sentAt, channel });
    // Deliberately outside the structured log stream: this line is the
    // developer's phone screen, and exists only with the console provider.
    console.log(`[dev ${channel}] to ${to}: ${body}`);
    return { messageId: null };
  }
}
