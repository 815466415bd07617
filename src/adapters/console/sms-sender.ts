import type { SmsMessage, SmsSender } from "../../domain/ports";
import type { DevOutbox } from "../../durable-objects/dev-outbox";

/**
 * Development SMS provider: prints the message and keeps it in the dev
 * outbox (GET /dev/sms-outbox). Config refuses it when ENVIRONMENT=production,
 * because its whole point is to reveal codes.
 */
export class ConsoleSmsSender implements SmsSender {
  constructor(private readonly outbox: DurableObjectNamespace<DevOutbox>) {}

  async send(message: SmsMessage): Promise<void> {
    const sentAt = new Date().toISOString();
    await this.outbox.get(this.outbox.idFromName("outbox")).add({ ...message, sentAt });
    // Deliberately outside the structured log stream: this line is the
    // developer's phone screen, and exists only with the console provider.
    console.log(`[dev sms] to ${message.to}: ${message.body}`);
  }
}
