/**
 * MongoDB credential store against a real MongoDB (MONGODB_URI). No server
 * can be installed on the project's machines, so without MONGODB_URI this
 * suite is reported as skipped; it is never replaced by a mock. The queries
 * themselves are checked without a server in mongo-credentials.pure.test.ts.
 */
import type { Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoCredentialStore } from "../../src/adapters/mongo/credential-store";
import { PerRequestMongoCredentialStore } from "../../src/adapters/mongo/per-request-credential-store";
import { MongoUserStore } from "../../src/adapters/mongo/user-store";
import { runMigrations } from "../../scripts/migrate.mjs";
import { credentialStoreContract, deviceKeyLike, passkeyLike } from "../contracts/credential-store.contract";
import { CIPHERTEXT_LIKE, phoneHashLike, rid } from "../contracts/util";

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.warn("\n!!! MONGODB_URI is not set: the MongoDB credential-store contract suite is SKIPPED (not mocked). Set MONGODB_URI to run it.\n");
}

describe.skipIf(!uri)("MongoDB credential store (real server at MONGODB_URI)", () => {
  let client: MongoClient;
  let db: Db;
  const dbName = `edge_auth_cred_test_${Date.now().toString(36)}`;
  const perRequest: PerRequestMongoCredentialStore[] = [];

  beforeAll(async () => {
    const { MongoClient } = await import("mongodb");
    client = new MongoClient(uri!, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    db = client.db(dbName);
    await runMigrations(db);
  });
  afterAll(async () => {
    await Promise.all(perRequest.map((s) => s.dispose()));
    await db?.dropDatabase();
    await client?.close();
  });

  async function newUser(): Promise<string> {
    return (await new MongoUserStore(db, 5000).findOrCreateByPhone(phoneHashLike(), CIPHERTEXT_LIKE, Date.now())).user.id;
  }

  it("0003 built both partial unique indexes, and users without credentials do not collide on them", async () => {
    const indexes = await db.collection("users").indexes();
    for (const name of ["credential_id_unique", "webauthn_user_handle_unique"]) {
      const index = indexes.find((i) => i.name === name);
      expect(index?.unique, name).toBe(true);
      expect(index?.partialFilterExpression, name).toBeDefined();
    }
    await Promise.all([newUser(), newUser(), newUser()]);
  });

  it("the validator refuses a credential with a field it does not know, or without its public key", async () => {
    const userId = await newUser();
    const users = db.collection<{ _id: string }>("users");
    const doc = { ...passkeyLike(userId), createdAt: new Date(), lastUsedAt: null } as Record<string, unknown>;
    delete doc.userId;
    const push = (credential: Record<string, unknown>): Promise<unknown> =>
      users.updateOne({ _id: userId }, { $push: { "authMethods.credentials": credential } });
    await expect(push({ ...doc, secret: "x" })).rejects.toThrow(/validation/i);
    const { publicKey: _omitted, ...withoutKey } = doc;
    await expect(push(withoutKey)).rejects.toThrow(/validation/i);
    await push(doc);
  });

  it("the user store never reads credential material back", async () => {
    const userId = await newUser();
    const store = new MongoCredentialStore(db, 5000);
    await store.add(passkeyLike(userId));
    await store.add(deviceKeyLike(userId));
    await store.userHandle(userId, rid(32));
    const user = await new MongoUserStore(db, 5000).getById(userId);
    expect(user?.biometricEnabled).toBe(true);
    expect(JSON.stringify(user)).not.toMatch(/publicKey|credentials|webauthnUserHandle/);
  });

  it("remove keeps the flag on while a credential remains, in the stored document itself", async () => {
    const userId = await newUser();
    const store = new MongoCredentialStore(db, 5000);
    const [p, d] = [passkeyLike(userId), deviceKeyLike(userId)];
    await store.add(p);
    await store.add(d);
    await store.remove(userId, p.id);
    const raw = await db.collection<{ _id: string; authMethods: object }>("users").findOne({ _id: userId });
    expect(raw?.authMethods).toMatchObject({ biometric: { enabled: true }, credentials: [{ id: d.id }] });
  });

  it("a device key registered concurrently by its own user ends as one credential, once added", async () => {
    const userId = await newUser();
    const store = new MongoCredentialStore(db, 5000);
    const deviceId = rid(8);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => store.add(deviceKeyLike(userId, deviceId))));
    expect(outcomes.filter((o) => o === "added")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "replaced")).toHaveLength(3);
    expect(await store.list(userId)).toHaveLength(1);
  });

  it("adding to a user that does not exist is an error, not taken", async () => {
    await expect(new MongoCredentialStore(db, 5000).add(passkeyLike(rid(16)))).rejects.toThrow(/no such user/);
    await expect(new MongoCredentialStore(db, 5000).userHandle(rid(16), rid(32))).rejects.toThrow(/no such user/);
  });

  credentialStoreContract("MongoDB (shared client)", () => ({ credentials: new MongoCredentialStore(db, 5000), users: new MongoUserStore(db, 5000) }));
  credentialStoreContract("MongoDB (client per request)", () => {
    const credentials = new PerRequestMongoCredentialStore({ uri: uri!, db: dbName, timeoutMs: 5000 });
    perRequest.push(credentials);
    return { credentials, users: new MongoUserStore(db, 5000) };
  });
});
