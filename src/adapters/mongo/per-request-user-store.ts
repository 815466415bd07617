import type { MongoClient } from "mongodb";
import type { PinAttempt, PinRecord, UserRecord, UserStore } from "../../domain/ports";
import type { Preferences } from "../../domain/preferences";
import { withDeadline } from "../../lib/deadline";
import { connectMongo, type MongoSettings } from "./connect";
import { MongoUserStore } from "./user-store";

/**
 * UserStore that opens a client on first use within one request and closes
 * it when the request is done (`dispose`, run through waitUntil). Pays the
 * TCP + TLS + auth handshake on every request that touches users.
 */
export class PerRequestMongoUserStore implements UserStore {
  private client: Promise<MongoClient> | null = null;

  constructor(private readonly settings: MongoSettings) {}

  private async store(): Promise<MongoUserStore> {
    this.client ??= connectMongo(this.settings);
    return new MongoUserStore((await this.client).db(this.settings.db), this.settings.timeoutMs);
  }

  private run<T>(fn: (store: MongoUserStore) => Promise<T>): Promise<T> {
    // Connect + operation share one deadline (a bit over two round trips of the setting).
    return withDeadline("user-store", this.settings.timeoutMs * 2, async () => fn(await this.store()));
  }

  findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    return this.run((s) => s.findOrCreateByPhone(phoneHash, phoneCiphertext, now));
  }

  getById(id: string): Promise<UserRecord | null> {
    return this.run((s) => s.getById(id));
  }

  recordLogin(id: string, now: number, country: string | null = null): Promise<void> {
    return this.run((s) => s.recordLogin(id, now, country));
  }

  setPin(id: string, pin: PinRecord, now: number): Promise<boolean> {
    return this.run((s) => s.setPin(id, pin, now));
  }

  removePin(id: string): Promise<boolean> {
    return this.run((s) => s.removePin(id));
  }

  countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    return this.run((s) => s.countPinAttempt(id, maxAttempts));
  }

  clearPinFailures(id: string): Promise<void> {
    return this.run((s) => s.clearPinFailures(id));
  }

  phoneCiphertext(id: string): Promise<string | null> {
    return this.run((s) => s.phoneCiphertext(id));
  }

  preferences(id: string): Promise<Preferences | null> {
    return this.run((s) => s.preferences(id));
  }

  putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    return this.run((s) => s.putPreferences(id, next, expectedVersion));
  }

  changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone"> {
    return this.run((s) => s.changePhone(id, phoneHash, phoneCiphertext));
  }

  staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    return this.run((s) => s.staleCiphertexts(currentKeyId, limit));
  }

  replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    return this.run((s) => s.replaceCiphertext(id, expected, next));
  }

  phoneHeld(phoneHash: string): Promise<boolean> {
    return this.run((s) => s.phoneHeld(phoneHash));
  }

  deleteUser(id: string): Promise<void> {
    return this.run((s) => s.deleteUser(id));
  }

  ping(): Promise<void> {
    return this.run((s) => s.ping());
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await (await client.catch(() => null))?.close();
  }
}
