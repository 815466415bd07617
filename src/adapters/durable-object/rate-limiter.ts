import type { RateDecision, RateLimiter as RateLimiterPort, RateRule } from "../../domain/ports";
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { randomId } from "../../lib/crypto";
import { withDeadline } from "../../lib/deadline";

/** Embedded RateLimiter: one sliding-window-log Durable Object per limit key. */
export class DurableRateLimiter implements RateLimiterPort {
  constructor(
    private readonly ns: DurableObjectNamespace<RateLimiter>,
    private readonly timeoutMs: number,
  ) {}

  private stub(key: string): DurableObjectStub<RateLimiter> {
    return this.ns.get(this.ns.idFromName(key));
  }

  hit(key: string, rule: RateRule, now: number): Promise<RateDecision> {
    return withDeadline("rate-limiter", this.timeoutMs, async (): Promise<RateDecision> => await this.stub(key).hit(rule, now, randomId(12)));
  }

  reset(key: string): Promise<void> {
    return withDeadline("rate-limiter", this.timeoutMs, () => this.stub(key).reset());
  }

  refund(key: string, token: string): Promise<void> {
    return withDeadline("rate-limiter", this.timeoutMs, () => this.stub(key).refund(token));
  }
}
