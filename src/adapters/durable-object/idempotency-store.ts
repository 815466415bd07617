import type { IdempotencyClaim, IdempotencyStore, IdempotentAnswer } from "../../domain/idempotency";
import type { IdempotencyVault } from "../../durable-objects/idempotency-vault";
import { withDeadline } from "../../lib/deadline";

/** Key ids are base64url hashes; their first character picks one of 64 vaults. */
const shardOf = (id: string): string => `idempotency:${id.charAt(0)}`;

/** Embedded IdempotencyStore: IdempotencyVault Durable Objects sharded by key id. */
export class DurableIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly ns: DurableObjectNamespace<IdempotencyVault>,
    private readonly timeoutMs: number,
  ) {}

  private stub(id: string): DurableObjectStub<IdempotencyVault> {
    return this.ns.get(this.ns.idFromName(shardOf(id)));
  }

  claim(id: string, fingerprint: string, now: number, pendingMs: number): Promise<IdempotencyClaim> {
    return withDeadline("idempotency-store", this.timeoutMs, async () => await this.stub(id).claim(id, fingerprint, now, pendingMs));
  }

  complete(id: string, fingerprint: string, answer: IdempotentAnswer, expiresAt: number, now: number): Promise<void> {
    return withDeadline("idempotency-store", this.timeoutMs, () => this.stub(id).complete(id, fingerprint, answer, expiresAt, now));
  }

  release(id: string, fingerprint: string): Promise<void> {
    return withDeadline("idempotency-store", this.timeoutMs, () => this.stub(id).release(id, fingerprint));
  }
}
