import { DurableObject } from "cloudflare:workers";

export interface OutboxMessage {
  to: string;
  body: string;
  sentAt: string;
  /** Absent on messages kept before voice codes existed: those are SMS. */
  channel?: "sms" | "voice";
}

const KEEP = 200;

/**
 * Development-only outbox for the console SMS provider: keeps the latest
 * messages so a developer (or a test) can read a code without a phone.
 * Never bound to anything when SMS_PROVIDER is not `console`.
 */
export class DevOutbox extends DurableObject {
  add(message: OutboxMessage): void {
    const kv = this.ctx.storage.kv;
    const seq = (kv.get<number>("seq") ?? 0) + 1;
    kv.put("seq", seq);
    kv.put(`msg:${String(seq).padStart(12, "0")}`, message);
    if (seq > KEEP) kv.delete(`msg:${String(seq - KEEP).padStart(12, "0")}`);
  }

  /** Messages to `to`, newest first. */
  list(to: string, limit = 20): OutboxMessage[] {
    const out: OutboxMessage[] = [];
    for (const [, m] of this.ctx.storage.kv.list<OutboxMessage>({ prefix: "msg:", reverse: true })) {
      if (m.to === to) out.push(m);
      if (out.length >= limit) break;
    }
    return out;
  }
}
