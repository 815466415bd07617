import { DurableObject } from "cloudflare:workers";
import type { Preferences } from "../domain/preferences";
import { connectMongo } from "../adapters/mongo/connect";
import { MongoCredentialStore } from "../adapters/mongo/credential-store";
import { MongoUserStore } from "../adapters/mongo/user-store";
import { loadConfig } from "../config";
import type { AddCredentialOutcome, CredentialRecord } from "../domain/biometric-ports";
import type { PinAttempt, PinRecord, UserRecord } from "../domain/ports";
import type { Env } from "../env";

/**
 * Holds one MongoClient for many requests. A Worker request cannot reuse a
 * client across requests (its sockets belong to the request that opened
 * them), but a Durable Object lives on and keeps its connection pool warm,
 * as Cloudflare recommends. Only in the MongoDB build (src/index.mongo.ts).
 */
export class MongoGateway extends DurableObject<Env> {
  private store: Promise<{ users: MongoUserStore; credentials: MongoCredentialStore }> | null = null;

  /** Both stores over one client, so users and credentials share the pool. */
  private stores(): Promise<{ users: MongoUserStore; credentials: MongoCredentialStore }> {
    if (!this.store) {
      const result = loadConfig(this.env);
      if (!result.ok || !result.config.mongo) return Promise.reject(new Error("MongoDB is not configured"));
      const { uri, db, timeoutMs } = result.config.mongo;
      const pending = connectMongo({ uri, db, timeoutMs }).then((client) => ({
        users: new MongoUserStore(client.db(db), timeoutMs),
        credentials: new MongoCredentialStore(client.db(db), timeoutMs),
      }));
      // A failed connect is not cached: the next call tries again.
      pending.catch(() => {
        if (this.store === pending) this.store = null;
      });
      this.store = pending;
    }
    return this.store;
  }

  private async users(): Promise<MongoUserStore> {
    return (await this.stores()).users;
  }

  private async credentials(): Promise<MongoCredentialStore> {
    return (await this.stores()).credentials;
  }

  async findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    return (await this.users()).findOrCreateByPhone(phoneHash, phoneCiphertext, now);
  }

  async getById(id: string): Promise<UserRecord | null> {
    return (await this.users()).getById(id);
  }

  async recordLogin(id: string, now: number, country: string | null = null): Promise<void> {
    await (await this.users()).recordLogin(id, now, country);
  }

  async setPin(id: string, pin: PinRecord, now: number): Promise<boolean> {
    return (await this.users()).setPin(id, pin, now);
  }

  async removePin(id: string): Promise<boolean> {
    return (await this.users()).removePin(id);
  }

  async countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    return (await this.users()).countPinAttempt(id, maxAttempts);
  }

  async clearPinFailures(id: string): Promise<void> {
    await (await this.users()).clearPinFailures(id);
  }

  async phoneCiphertext(id: string): Promise<string | null> {
    return (await this.users()).phoneCiphertext(id);
  }

  async preferences(id: string): Promise<Preferences | null> {
    return (await this.users()).preferences(id);
  }

  async putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    return (await this.users()).putPreferences(id, next, expectedVersion);
  }

  async changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone"> {
    return (await this.users()).changePhone(id, phoneHash, phoneCiphertext);
  }

  async staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    return (await this.users()).staleCiphertexts(currentKeyId, limit);
  }

  async replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    return (await this.users()).replaceCiphertext(id, expected, next);
  }

  async phoneHeld(phoneHash: string): Promise<boolean> {
    return (await this.users()).phoneHeld(phoneHash);
  }

  async deleteUser(id: string): Promise<void> {
    await (await this.users()).deleteUser(id);
  }

  async ping(): Promise<void> {
    await (await this.users()).ping();
  }

  // CredentialStore (GatewayCredentialStore): the same client as the user store.
  async credentialAdd(credential: CredentialRecord): Promise<AddCredentialOutcome> {
    return (await this.credentials()).add(credential);
  }

  async credentialGet(id: string): Promise<CredentialRecord | null> {
    return (await this.credentials()).get(id);
  }

  async credentialList(userId: string): Promise<CredentialRecord[]> {
    return (await this.credentials()).list(userId);
  }

  async credentialRecordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
    return (await this.credentials()).recordUse(id, expectedCounter, newCounter, backedUp, now);
  }

  async credentialRemove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return (await this.credentials()).remove(userId, id);
  }

  async credentialUserHandle(userId: string, candidate: string): Promise<string> {
    return (await this.credentials()).userHandle(userId, candidate);
  }
}
