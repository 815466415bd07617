import type { AddCredentialOutcome, CredentialRecord, CredentialStore } from "../../domain/biometric-ports";
import type { MongoGateway } from "../../durable-objects/mongo-gateway";
import { withDeadline } from "../../lib/deadline";

/**
 * CredentialStore that forwards to the MongoGateway Durable Object holding
 * the client. The same object as GatewayUserStore ("users"), so both stores
 * share one client and its warm pool.
 */
export class GatewayCredentialStore implements CredentialStore {
  constructor(
    private readonly ns: DurableObjectNamespace<MongoGateway>,
    private readonly timeoutMs: number,
  ) {}

  private stub(): DurableObjectStub<MongoGateway> {
    return this.ns.get(this.ns.idFromName("users"));
  }

  add(credential: CredentialRecord): Promise<AddCredentialOutcome> {
    return withDeadline("credential-store", this.timeoutMs, async () => await this.stub().credentialAdd(credential));
  }

  get(id: string): Promise<CredentialRecord | null> {
    return withDeadline("credential-store", this.timeoutMs, async () => await this.stub().credentialGet(id));
  }

  list(userId: string): Promise<CredentialRecord[]> {
    return withDeadline("credential-store", this.timeoutMs, async () => await this.stub().credentialList(userId));
  }

  recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
    return withDeadline("credential-store", this.timeoutMs, async () =>
      await this.stub().credentialRecordUse(id, expectedCounter, newCounter, backedUp, now),
    );
  }

  remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return withDeadline("credential-store", this.timeoutMs, async () => await this.stub().credentialRemove(userId, id));
  }

  userHandle(userId: string, candidate: string): Promise<string> {
    return withDeadline("credential-store", this.timeoutMs, async () => await this.stub().credentialUserHandle(userId, candidate));
  }
}
