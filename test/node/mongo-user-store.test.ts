/**
 * MongoDB user store against a real MongoDB (MONGODB_URI). No server can be
 * installed on the project's machines, so without MONGODB_URI this suite is
 * reported as skipped; it is never replaced by a mock. The driver runs here
 * in Node, where it works; the Worker reaches the same adapter through the
 * MongoGateway Durable Object in the `--env mongo` build.
 */
import type { Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerRequestMongoUserStore } from "../../src/adapters/mongo/per-request-user-store";
import { MongoUserStore } from "../../src/adapters/mongo/user-store";
import { runMigrations, listMigrations } from "../../scripts/migrate.mjs";
import { userStoreContract } from "../contracts/user-store.contract";

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.warn("\n!!! MONGODB_URI is not set: the MongoDB user-store contract suite is SKIPPED (not mocked). Set MONGODB_URI to run it.\n");
}

describe.skipIf(!uri)("MongoDB user store (real server at MONGODB_URI)", () => {
  let client: MongoClient;
  let db: Db;
  const dbName = `edge_auth_test_${Date.now().toString(36)}`;

  beforeAll(async () => {
    const { MongoClient } = await import("mongodb");
    client = new MongoClient(uri!, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    db = client.db(dbName);
    await runMigrations(db);
  });
  const perRequest: PerRequestMongoUserStore[] = [];
  afterAll(async () => {
    await Promise.all(perRequest.map((s) => s.dispose()));
    await db?.dropDatabase();
    await client?.close();
  });

  it("migrations are recorded and a second run applies nothing", async () => {
    expect(await runMigrations(db)).toEqual([]);
    const ledger = await db.collection("schema_migrations").find().toArray();
    expect(ledger.map((d) => d._id).sort()).toEqual(listMigrations());
    const indexes = await db.collection("users").indexes();
    expect(indexes.find((i) => i.name === "phone_unique")?.unique).toBe(true);
  });

  it("the validator refuses a document with a raw phone number", async () => {
    await expect(
      db.collection("users").insertOne({
        _id: "x".repeat(22) as never,
        phone: "+919876543210",
        phoneEncrypted: "y".repeat(40),
        createdAt: new Date(),
        authMethods: {},
        devices: [],
      }),
    ).rejects.toThrow(/validation/i);
  });

  userStoreContract("MongoDB (shared client)", () => new MongoUserStore(db, 5000));
  userStoreContract("MongoDB (client per request)", () => {
    const store = new PerRequestMongoUserStore({ uri: uri!, db: dbName, timeoutMs: 5000 });
    perRequest.push(store);
    return store;
  });
});
