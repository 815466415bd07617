import type { MongoClient } from "mongodb";
import type { AddCredentialOutcome, CredentialRecord, CredentialStore } from "../../domain/biometric-ports";
import { withDeadline } from "../../lib/deadline";
import { connectMongo, type MongoSettings } from "./connect";
import { MongoCredentialStore } from "./credential-store";

/**
 * CredentialStore that opens a client on first use within one request and
 * closes it when the request is done (`dispose`, run through waitUntil), like
 * PerRequestMongoUserStore. It holds its own client, so a request that uses
 * both stores pays the handshake twice.
 */
export class PerRequestMongoCredentialStore implements CredentialStore {
  private client: Promise<MongoClient> | null = null;

  constructor(private readonly settings: MongoSettings) {}

  private async store(): Promise<MongoCredentialStore> {
    this.client ??= connectMongo(this.settings);
    return new MongoCredentialStore((await this.client).db(this.settings.db), this.settings.timeoutMs);
  }

  private run<T>(fn: (store: MongoCredentialStore) => Promise<T>): Promise<T> {
    // Connect + operation share one deadline; `add` may take a few steps after a lost race.
    return withDeadline("credential-store", this.settings.timeoutMs * 3, async () => fn(await this.store()));
  }

  add(credential: CredentialRecord): Promise<AddCredentialOutcome> {
    return this.run((s) => s.add(credential));
  }

  get(id: string): Promise<CredentialRecord | null> {
    return this.run((s) => s.get(id));
  }

  list(userId: string): Promise<CredentialRecord[]> {
    return this.run((s) => s.list(userId));
  }

  recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
    return this.run((s) => s.recordUse(id, expectedCounter, newCounter, backedUp, now));
  }

  remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return this.run((s) => s.remove(userId, id));
  }

  userHandle(userId: string, candidate: string): Promise<string> {
    return this.run((s) => s.userHandle(userId, candidate));
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await (await client.catch(() => null))?.close();
  }
}
