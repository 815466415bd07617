import type { PinAttempt, PinRecord, UserRecord, UserStore } from "../../domain/ports";
import type { Preferences } from "../../domain/preferences";
import type { MongoGateway } from "../../durable-objects/mongo-gateway";
import { withDeadline } from "../../lib/deadline";

/** UserStore that forwards to the MongoGateway Durable Object holding the client. */
export class GatewayUserStore implements UserStore {
  constructor(
    private readonly ns: DurableObjectNamespace<MongoGateway>,
    private readonly timeoutMs: number,
  ) {}

  private stub(): DurableObjectStub<MongoGateway> {
    return this.ns.get(this.ns.idFromName("users"));
  }

  findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().findOrCreateByPhone(phoneHash, phoneCiphertext, now));
  }

  getById(id: string): Promise<UserRecord | null> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().getById(id));
  }

  recordLogin(id: string, now: number, country: string | null = null): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, () => this.stub().recordLogin(id, now, country));
  }

  setPin(id: string, pin: PinRecord, now: number): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().setPin(id, pin, now));
  }

  removePin(id: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().removePin(id));
  }

  countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().countPinAttempt(id, maxAttempts));
  }

  clearPinFailures(id: string): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, () => this.stub().clearPinFailures(id));
  }

  phoneCiphertext(id: string): Promise<string | null> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().phoneCiphertext(id));
  }

  preferences(id: string): Promise<Preferences | null> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().preferences(id));
  }

  putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().putPreferences(id, next, expectedVersion));
  }

  changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone"> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().changePhone(id, phoneHash, phoneCiphertext));
  }

  staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().staleCiphertexts(currentKeyId, limit));
  }

  replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().replaceCiphertext(id, expected, next));
  }

  phoneHeld(phoneHash: string): Promise<boolean> {
    return withDeadline("user-store", this.timeoutMs, async () => await this.stub().phoneHeld(phoneHash));
  }

  deleteUser(id: string): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, () => this.stub().deleteUser(id));
  }

  ping(): Promise<void> {
    return withDeadline("user-store", this.timeoutMs, () => this.stub().ping());
  }
}
