import { DurableObject } from "cloudflare:workers";
import { connectMongo } from "../adapters/mongo/connect";
import { MongoUserStore } from "../adapters/mongo/user-store";
import { loadConfig } from "../config";
import type { UserRecord } from "../domain/ports";
import type { Env } from "../env";

/**
 * Holds one MongoClient for many requests. A Worker request cannot reuse a
 * client across requests (its sockets belong to the request that opened
 * them), but a Durable Object lives on and keeps its connection pool warm,
 * as Cloudflare recommends. Only in the MongoDB build (src/index.mongo.ts).
 */
export class MongoGateway extends DurableObject<Env> {
  private store: Promise<MongoUserStore> | null = null;

  private users(): Promise<MongoUserStore> {
    if (!this.store) {
      const result = loadConfig(this.env);
      if (!result.ok || !result.config.mongo) return Promise.reject(new Error("MongoDB is not configured"));
      const { uri, db, timeoutMs } = result.config.mongo;
      const pending = connectMongo({ uri, db, timeoutMs }).then((client) => new MongoUserStore(client.db(db), timeoutMs));
      // A failed connect is not cached: the next call tries again.
      pending.catch(() => {
        if (this.store === pending) this.store = null;
      });
      this.store = pending;
    }
    return this.store;
  }

  async findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    return (await this.users()).findOrCreateByPhone(phoneHash, phoneCiphertext, now);
  }

  async getById(id: string): Promise<UserRecord | null> {
    return (await this.users()).getById(id);
  }

  async recordLogin(id: string, now: number): Promise<void> {
    await (await this.users()).recordLogin(id, now);
  }

  async phoneCiphertext(id: string): Promise<string | null> {
    return (await this.users()).phoneCiphertext(id);
  }

  async ping(): Promise<void> {
    await (await this.users()).ping();
  }
}
