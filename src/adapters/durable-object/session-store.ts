import type { SessionRecord, SessionStore } from "../../domain/ports";
import type { SessionVault } from "../../durable-objects/session-vault";
import { withDeadline } from "../../lib/deadline";

/** Embedded SessionStore: one SessionVault Durable Object per user. */
export class DurableSessionStore implements SessionStore {
  constructor(
    private readonly ns: DurableObjectNamespace<SessionVault>,
    private readonly timeoutMs: number,
  ) {}

  private stub(userId: string): DurableObjectStub<SessionVault> {
    return this.ns.get(this.ns.idFromName(userId));
  }

  create(session: SessionRecord): Promise<void> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(session.userId).create(session));
  }

  get(userId: string, sessionId: string, now: number): Promise<SessionRecord | null> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(userId).get(sessionId, now));
  }

  rotate(userId: string, sessionId: string, expectedTokenHash: string, newTokenHash: string, now: number, reauthenticatedWith: string[] | null): Promise<boolean> {
    return withDeadline("session-store", this.timeoutMs, () =>
      this.stub(userId).rotate(sessionId, expectedTokenHash, newTokenHash, now, reauthenticatedWith),
    );
  }

  touch(userId: string, sessionId: string, now: number): Promise<void> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(userId).touch(sessionId, now));
  }

  revoke(userId: string, sessionId: string): Promise<boolean> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(userId).revoke(sessionId));
  }

  revokeAll(userId: string): Promise<number> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(userId).revokeAll());
  }

  list(userId: string, now: number): Promise<SessionRecord[]> {
    return withDeadline("session-store", this.timeoutMs, () => this.stub(userId).list(now));
  }
}
