import { DurableObject } from "cloudflare:workers";
import { MIGRATIONS } from "./migrations";

/**
 * D1 for self-hosted workerd (deploy/workerd/config.capnp): one SQLite-backed
 * Durable Object holds the database the Worker's `DB` binding reads and
 * writes. workerd has no D1 of its own; this keeps the Worker's D1 adapters
 * unchanged. One object, so every statement runs in one place, one at a time,
 * as D1 runs them against its primary.
 *
 * On start it applies migrations/d1/*.sql (bundled at build time) that are not
 * yet in `d1_migrations`, each with its record in one transaction, the way
 * `wrangler d1 migrations apply` keeps track.
 */

export type SqlValue = string | number | null | ArrayBuffer;

export interface Statement {
  sql: string;
  params: SqlValue[];
}

export interface StatementResult {
  /** Column names in order (duplicates kept, as SQLite names them). */
  columns: string[];
  /** Each row's values in column order. */
  rows: SqlStorageValue[][];
  changes: number;
  lastRowId: number;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * Applies, in order, the migrations not yet recorded in `d1_migrations`; each
 * lands with its record in one transaction or not at all, so a migration that
 * fails half-way leaves nothing behind and is tried again at the next start.
 * Returns the names applied now.
 */
export function applyMigrations(storage: DurableObjectStorage, migrations: readonly { name: string; sql: string }[]): string[] {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
  const applied = new Set(sql.exec<{ name: string }>("SELECT name FROM d1_migrations").toArray().map((r) => r.name));
  const now: string[] = [];
  for (const { name, sql: text } of migrations) {
    if (applied.has(name)) continue;
    storage.transactionSync(() => {
      sql.exec(text);
      sql.exec("INSERT INTO d1_migrations (name) VALUES (?)", name);
    });
    now.push(name);
  }
  return now;
}

export class SqliteDatabase extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => void applyMigrations(ctx.storage, MIGRATIONS));
  }

  private one(statement: Statement): StatementResult {
    const sql = this.ctx.storage.sql;
    const before = sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n;
    const cursor = sql.exec(statement.sql, ...statement.params);
    const rows = [...cursor.raw()];
    const after = sql.exec<{ n: number; id: number }>("SELECT total_changes() AS n, last_insert_rowid() AS id").one();
    return { columns: cursor.columnNames, rows, changes: after.n - before, lastRowId: after.id, rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten };
  }

  /** Runs the statements in order in one transaction (D1's batch): all or none. */
  query(statements: Statement[]): StatementResult[] {
    return this.ctx.storage.transactionSync(() => statements.map((s) => this.one(s)));
  }
}
