import type { ChallengeRecord, ChallengeStore } from "../../domain/biometric-ports";
import type { ChallengeVault } from "../../durable-objects/challenge-vault";
import { withDeadline } from "../../lib/deadline";

/** Challenge ids are base64url hashes; their first character picks one of 64 vaults. */
const shardOf = (id: string): string => `challenges:${id.charAt(0)}`;

/** Embedded ChallengeStore: ChallengeVault Durable Objects sharded by challenge id. */
export class DurableChallengeStore implements ChallengeStore {
  constructor(
    private readonly ns: DurableObjectNamespace<ChallengeVault>,
    private readonly timeoutMs: number,
  ) {}

  private stub(id: string): DurableObjectStub<ChallengeVault> {
    return this.ns.get(this.ns.idFromName(shardOf(id)));
  }

  put(id: string, record: ChallengeRecord): Promise<void> {
    return withDeadline("challenge-store", this.timeoutMs, () => this.stub(id).put(id, record));
  }

  take(id: string, now: number): Promise<ChallengeRecord | null> {
    return withDeadline("challenge-store", this.timeoutMs, async () => await this.stub(id).take(id, now));
  }
}
