import { DurableObject } from "cloudflare:workers";
import { scheduleExpiry, sweepExpired } from "./expiry";
import type { SessionRecord } from "../domain/ports";

const PREFIX = "session:";

/**
 * Embedded-profile session store: one instance per user, so listing and
 * revoking a user's sessions is local and strongly consistent. An alarm at
 * the earliest expiry deletes sessions that ran out.
 */
export class SessionVault extends DurableObject {
  async create(session: SessionRecord): Promise<void> {
    this.ctx.storage.kv.put(PREFIX + session.id, session);
    await scheduleExpiry(this.ctx.storage, PREFIX);
  }

  get(sessionId: string, now: number): SessionRecord | null {
    const s = this.ctx.storage.kv.get<SessionRecord>(PREFIX + sessionId);
    return s && s.expiresAt > now ? s : null;
  }

  rotate(sessionId: string, expectedTokenHash: string, newTokenHash: string, now: number, reauthenticatedWith: string[] | null): boolean {
    const s = this.get(sessionId, now);
    if (!s || s.tokenHash !== expectedTokenHash) return false;
    const auth = reauthenticatedWith ? { lastAuthAt: now, amr: reauthenticatedWith } : {};
    this.ctx.storage.kv.put(PREFIX + sessionId, { ...s, tokenHash: newTokenHash, lastSeenAt: Math.max(now, s.lastSeenAt ?? 0), ...auth });
    return true;
  }

  touch(sessionId: string, now: number): void {
    const s = this.get(sessionId, now);
    // Never backwards: a late touch must not hide a newer use.
    if (!s || (s.lastSeenAt ?? 0) >= now) return;
    this.ctx.storage.kv.put(PREFIX + sessionId, { ...s, lastSeenAt: now });
  }

  revoke(sessionId: string): boolean {
    return this.ctx.storage.kv.delete(PREFIX + sessionId);
  }

  async revokeAll(): Promise<number> {
    let n = 0;
    for (const [k] of this.ctx.storage.kv.list({ prefix: PREFIX })) {
      this.ctx.storage.kv.delete(k);
      n++;
    }
    await this.ctx.storage.deleteAlarm();
    return n;
  }

  list(now: number): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const [, s] of this.ctx.storage.kv.list<SessionRecord>({ prefix: PREFIX })) {
      if (s.expiresAt > now) out.push(s);
    }
    return out;
  }

  override async alarm(): Promise<void> {
    await sweepExpired(this.ctx.storage, PREFIX, Date.now());
  }
}
