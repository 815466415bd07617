import type { AttemptCounter as AttemptCounterPort, AttemptDecision, AttemptPolicy } from "../../domain/ports";
import type { AttemptCounter } from "../../durable-objects/attempt-counter";
import { withDeadline } from "../../lib/deadline";

/** AttemptCounter port on the per-phone Durable Object (both profiles). */
export class DurableAttemptCounter implements AttemptCounterPort {
  constructor(
    private readonly ns: DurableObjectNamespace<AttemptCounter>,
    private readonly timeoutMs: number,
  ) {}

  private stub(phoneHash: string): DurableObjectStub<AttemptCounter> {
    return this.ns.get(this.ns.idFromName(phoneHash));
  }

  acquire(phoneHash: string, policy: AttemptPolicy, now: number): Promise<AttemptDecision> {
    return withDeadline("attempt-counter", this.timeoutMs, async (): Promise<AttemptDecision> => await this.stub(phoneHash).acquire(policy, now));
  }

  reset(phoneHash: string): Promise<void> {
    return withDeadline("attempt-counter", this.timeoutMs, () => this.stub(phoneHash).reset());
  }

  erase(phoneHash: string): Promise<void> {
    return withDeadline("attempt-counter", this.timeoutMs, () => this.stub(phoneHash).erase());
  }

  lockedFor(phoneHash: string, now: number): Promise<number> {
    return withDeadline("attempt-counter", this.timeoutMs, async (): Promise<number> => await this.stub(phoneHash).lockedFor(now));
  }
}
