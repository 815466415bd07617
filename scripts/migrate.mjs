#!/usr/bin/env node
// `npm run migrate`: applies migrations/mongo/*.mjs in order to MONGODB_URI
// (database MONGODB_DB, default edge_phone_auth), recording each applied
// migration in `schema_migrations`. Safe to run again: applied ones are
// skipped and every migration is itself idempotent.
//   npm run migrate            apply pending migrations
//   npm run migrate -- --status  list applied and pending
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = join(here, "..", "migrations", "mongo");

export function listMigrations(dir = MIGRATIONS_DIR) {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.mjs$/.test(f))
    .sort();
}

/** Applies pending migrations to `db`; returns the names applied now. */
export async function runMigrations(db, { dir = MIGRATIONS_DIR, log = () => {} } = {}) {
  const ledger = db.collection("schema_migrations");
  const applied = new Set((await ledger.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
  const ran = [];
  for (const name of listMigrations(dir)) {
    if (applied.has(name)) continue;
    const migration = await import(pathToFileURL(join(dir, name)).href);
    log(`applying ${name}: ${migration.description ?? ""}`);
    await migration.up(db);
    // Recorded only after it succeeded; a crash before this line re-runs an idempotent migration.
    await ledger.updateOne({ _id: name }, { $setOnInsert: { appliedAt: new Date() } }, { upsert: true });
    ran.push(name);
  }
  return ran;
}

async function main() {
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    console.error("MONGODB_URI is not set. Example: MONGODB_URI='mongodb+srv://user:pass@cluster.example.net' npm run migrate");
    process.exit(2);
  }
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    const db = client.db(process.env.MONGODB_DB || "edge_phone_auth");
    if (process.argv.includes("--status")) {
      const applied = new Set((await db.collection("schema_migrations").find().toArray()).map((d) => d._id));
      for (const name of listMigrations()) console.log(`${applied.has(name) ? "applied" : "pending"}  ${name}`);
      return;
    }
    const ran = await runMigrations(db, { log: (m) => console.log(m) });
    console.log(ran.length ? `applied ${ran.length} migration(s) to ${db.databaseName}` : `nothing to apply to ${db.databaseName}`);
  } finally {
    await client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
