/**
 * Self-hosted D1 (deploy/workerd/d1): the `DB` binding self-hosted workerd
 * gives the Worker, over one SQLite Durable Object, must behave as D1 does
 * for every D1 adapter. The same contract suites as real D1 (contracts.test.ts)
 * run against it here; the Durable Object runs in a worker of its own, as in
 * deploy/workerd/config.capnp, built by scripts/build-workerd.mjs with the
 * migrations bundled in.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import makeBinding from "../../deploy/workerd/d1/binding";
import { applyMigrations, type SqliteDatabase } from "../../deploy/workerd/d1/database";
import { D1AuditStore } from "../../src/adapters/d1/audit-store";
import { D1CredentialStore } from "../../src/adapters/d1/credential-store";
import { D1DeliveryReceiptStore } from "../../src/adapters/d1/delivery-receipt-store";
import { D1DeviceStore } from "../../src/adapters/d1/device-store";
import { D1ErasureJournal } from "../../src/adapters/d1/erasure-journal";
import { D1LineTypeCache } from "../../src/adapters/d1/line-type-cache";
import { D1UserStore } from "../../src/adapters/d1/user-store";
import { auditStoreContract } from "../contracts/audit-store.contract";
import { credentialStoreContract } from "../contracts/credential-store.contract";
import { deliveryReceiptStoreContract } from "../contracts/delivery-receipt-store.contract";
import { deviceStoreContract } from "../contracts/device-store.contract";
import { erasureJournalContract } from "../contracts/erasure-journal.contract";
import { lineTypeCacheContract } from "../contracts/line-type-cache.contract";
import { userStoreContract } from "../contracts/user-store.contract";
import { testEnv } from "./helpers";

const T = 3000;
const shim = testEnv as unknown as { D1_SHIM: DurableObjectNamespace<SqliteDatabase> };
const db = (): D1Database => makeBinding({ database: shim.D1_SHIM }) as unknown as D1Database;

describe("self-hosted D1 over a SQLite Durable Object", () => {
  userStoreContract("self-hosted D1", () => new D1UserStore(db(), T));
  credentialStoreContract("self-hosted D1", () => ({ credentials: new D1CredentialStore(db(), T), users: new D1UserStore(db(), T) }));
  lineTypeCacheContract("self-hosted D1", () => new D1LineTypeCache(db(), T));
  deviceStoreContract("self-hosted D1", () => new D1DeviceStore(db(), T));
  erasureJournalContract("self-hosted D1", () => new D1ErasureJournal(db(), T));
  auditStoreContract("self-hosted D1", () => new D1AuditStore(db(), T));
  deliveryReceiptStoreContract("self-hosted D1", () => new D1DeliveryReceiptStore(db(), T));

  it("applied every migration once, and the users schema passes the readiness check", async () => {
    const applied = await db().prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    const real = await testEnv.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    expect(applied.results.length).toBeGreaterThanOrEqual(11);
    expect(applied.results.map((r) => r.name)).toEqual(real.results.map((r) => r.name));
    await new D1UserStore(db(), T).ping();
  });

  it("a migration lands with its record or not at all: one failing half-way leaves nothing, and is applied at the next start once fixed", async () => {
    // A scratch SQLite Durable Object of the test Worker stands in for the stand-in's own storage.
    const stub = testEnv.CHALLENGE_VAULT.get(testEnv.CHALLENGE_VAULT.idFromName(`migrations-${crypto.randomUUID()}`));
    const good = { name: "0001_a.sql", sql: "CREATE TABLE a (id INTEGER PRIMARY KEY);" };
    const broken = { name: "0002_b.sql", sql: "CREATE TABLE b (id INTEGER PRIMARY KEY); INSERT INTO nowhere VALUES (1);" };
    const fixed = { name: "0002_b.sql", sql: "CREATE TABLE b (id INTEGER PRIMARY KEY);" };
    await runInDurableObject(stub, (_instance, state) => {
      expect(() => applyMigrations(state.storage, [good, broken])).toThrow(/nowhere/);
      const tables = (): string[] => state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b')").toArray().map((r) => r.name).sort();
      const recorded = (): string[] => state.storage.sql.exec<{ name: string }>("SELECT name FROM d1_migrations ORDER BY id").toArray().map((r) => r.name);
      // The first is in with its record; of the second, not even its first statement.
      expect(tables()).toEqual(["a"]);
      expect(recorded()).toEqual(["0001_a.sql"]);
      expect(applyMigrations(state.storage, [good, fixed])).toEqual(["0002_b.sql"]);
      expect(tables()).toEqual(["a", "b"]);
      expect(applyMigrations(state.storage, [good, fixed])).toEqual([]);
    });
  });

  it("answers as D1 does: first(column), changes and last_row_id, raw rows, booleans as 1/0, undefined and bigint refused, blobs as byte arrays, batches all or none", async () => {
    const d = db();
    const table = `t_${crypto.randomUUID().replaceAll("-", "")}`;
    await d.prepare(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT UNIQUE, flag INTEGER)`).run();
    const insert = await d.prepare(`INSERT INTO ${table} (name, flag) VALUES (?1, ?2)`).bind("a", true).run();
    expect(insert.success).toBe(true);
    expect(insert.meta.changes).toBe(1);
    expect(insert.meta.last_row_id).toBe(1);
    expect(await d.prepare(`SELECT flag FROM ${table} WHERE name = ?`).bind("a").first("flag")).toBe(1);
    expect(await d.prepare(`SELECT * FROM ${table} WHERE name = ?`).bind("zz").first()).toBeNull();
    expect(await d.prepare(`SELECT id, name FROM ${table}`).raw()).toEqual([[1, "a"]]);
    expect((await d.prepare(`UPDATE ${table} SET flag = 0 WHERE name = 'nobody'`).run()).meta.changes).toBe(0);
    expect(() => d.prepare(`SELECT ?`).bind(undefined)).toThrow(/D1_TYPE_ERROR/);
    await expect(d.prepare(`INSERT INTO ${table} (name) VALUES ('a')`).run()).rejects.toThrow(/^D1_ERROR: .*UNIQUE constraint failed/);
    // The second statement fails: the first is rolled back with it.
    await expect(d.batch([d.prepare(`INSERT INTO ${table} (name) VALUES ('b')`), d.prepare(`INSERT INTO ${table} (name) VALUES ('a')`)])).rejects.toThrow(/UNIQUE/);
    expect(await d.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first("n")).toBe(1);
    await expect(d.prepare(`SELECT flag FROM ${table}`).first("nope")).rejects.toThrow(/D1_COLUMN_NOTFOUND/);
    // Raw rows keep repeated column names; column names come even without rows; blobs read back as byte arrays.
    expect(await d.prepare(`SELECT 1 AS x, 2 AS x`).raw()).toEqual([[1, 2]]);
    expect(await d.prepare(`SELECT id FROM ${table} WHERE 0`).raw({ columnNames: true })).toEqual([["id"]]);
    expect(await d.prepare(`SELECT ? AS b`).bind(new Uint8Array([1, 2, 255])).first("b")).toEqual([1, 2, 255]);
    expect(() => d.prepare(`SELECT ?`).bind(10n)).toThrow(/D1_TYPE_ERROR/);
    await expect(d.batch([])).rejects.toThrow(/D1_ERROR/);
    await d.prepare(`DROP TABLE ${table}`).run();
  });
});
