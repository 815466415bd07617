/**
 * The `DB` binding of self-hosted workerd: D1's Worker API (prepare, bind,
 * first, all, run, raw, batch) over the SqliteDatabase Durable Object
 * (database.ts). workerd loads it as an internal extension module and calls
 * the default export with the inner bindings (config.capnp `wrapped`).
 * Values bind as D1 binds them: booleans as 1/0, bytes as blobs, undefined
 * and bigint refused; blobs read back as arrays of bytes, as D1 returns them.
 */
import type { SqliteDatabase, SqlValue, Statement, StatementResult } from "./database";

type Namespace = DurableObjectNamespace<SqliteDatabase>;

function toSql(value: unknown): SqlValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  throw new TypeError(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${String(value)}'`);
}

/** D1 returns BLOB values as arrays of byte values. */
function fromSql(value: SqlStorageValue): unknown {
  return value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value;
}

/** Rows as objects: a column name that repeats keeps its last value, as D1's objects do. */
function objects(r: StatementResult): Record<string, unknown>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((column, i) => [column, fromSql(row[i] ?? null)])));
}

/** One statement's answer in D1's shape. */
function d1Result<T>(r: StatementResult, started: number): D1Result<T> {
  const meta = { duration: Date.now() - started, size_after: 0, rows_read: r.rowsRead, rows_written: r.rowsWritten, last_row_id: r.lastRowId, changed_db: r.changes > 0, changes: r.changes };
  return { success: true, results: objects(r) as T[], meta };
}

class PreparedStatement {
  constructor(
    readonly db: Database,
    readonly statement: Statement,
  ) {}

  bind(...values: unknown[]): PreparedStatement {
    return new PreparedStatement(this.db, { sql: this.statement.sql, params: values.map(toSql) });
  }

  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const row = (await this.all<Record<string, unknown>>()).results[0];
    if (!row) return null;
    if (column === undefined) return row as T;
    if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
    return row[column] as T;
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const started = Date.now();
    const [r] = await this.db.query([this.statement]);
    return d1Result<T>(r!, started);
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>();
  }

  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    const [r] = await this.db.query([this.statement]);
    const rows = r!.rows.map((row) => row.map(fromSql)) as T[];
    return options?.columnNames ? [r!.columns as T, ...rows] : rows;
  }
}

class Database {
  constructor(private readonly ns: Namespace) {}

  /** Runs statements in the database object, in one transaction; D1's errors say D1_ERROR first, then SQLite's message. */
  async query(statements: Statement[]): Promise<StatementResult[]> {
    // A stub per call: stubs belong to the request that made them.
    const stub = this.ns.get(this.ns.idFromName("d1"));
    try {
      return (await stub.query(statements)) as StatementResult[];
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.startsWith("D1_") ? message : `D1_ERROR: ${message}`, { cause: err });
    }
  }

  prepare(sql: string): PreparedStatement {
    return new PreparedStatement(this, { sql, params: [] });
  }

  async batch<T = Record<string, unknown>>(statements: PreparedStatement[]): Promise<D1Result<T>[]> {
    if (statements.length === 0) throw new Error("D1_ERROR: No SQL statements detected.");
    const started = Date.now();
    const results = await this.query(statements.map((s) => s.statement));
    return results.map((r) => d1Result<T>(r, started));
  }

  async exec(sql: string): Promise<D1ExecResult> {
    const started = Date.now();
    const results = await this.query([{ sql, params: [] }]);
    return { count: results.length, duration: Date.now() - started };
  }
}

export default function makeBinding(env: { database: Namespace }): Database {
  return new Database(env.database);
}
