import type { BudgetRule, BudgetStore, ChargeResult } from "../../domain/budgets";
import type { BudgetLedger } from "../../durable-objects/budget-ledger";
import { withDeadline } from "../../lib/deadline";

/** Embedded BudgetStore: the one BudgetLedger Durable Object. */
export class DurableBudgetStore implements BudgetStore {
  constructor(
    private readonly ns: DurableObjectNamespace<BudgetLedger>,
    private readonly timeoutMs: number,
  ) {}

  private stub(): DurableObjectStub<BudgetLedger> {
    return this.ns.get(this.ns.idFromName("budgets"));
  }

  charge(rules: BudgetRule[], blockKey: string, watch: string[], now: number): Promise<ChargeResult> {
    return withDeadline("budget-store", this.timeoutMs, async () => await this.stub().charge(rules, blockKey, watch, now));
  }

  refund(rules: BudgetRule[], now: number): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, () => this.stub().refund(rules, now));
  }

  bump(key: string, resetAt: number, now: number): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, () => this.stub().bump(key, resetAt, now));
  }

  block(key: string, until: number): Promise<void> {
    return withDeadline("budget-store", this.timeoutMs, () => this.stub().block(key, until));
  }
}
