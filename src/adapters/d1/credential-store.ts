import type { AddCredentialOutcome, CredentialPlatform, CredentialRecord, CredentialStore } from "../../domain/biometric-ports";
import { withDeadline } from "../../lib/deadline";

interface CredentialRow {
  id: string;
  user_id: string;
  kind: CredentialRecord["kind"];
  public_key: string;
  algorithm: CredentialRecord["algorithm"];
  counter: number;
  transports: string;
  backup_eligible: number;
  backed_up: number;
  aaguid: string | null;
  user_handle: string | null;
  device_id: string | null;
  platform: CredentialPlatform | null;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

const COLUMNS =
  "id, user_id, kind, public_key, algorithm, counter, transports, backup_eligible, backed_up, aaguid, user_handle, device_id, platform, name, created_at, last_used_at";

function toCredential(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    publicKey: row.public_key,
    algorithm: row.algorithm,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    backupEligible: row.backup_eligible === 1,
    backedUp: row.backed_up === 1,
    aaguid: row.aaguid,
    userHandle: row.user_handle,
    deviceId: row.device_id,
    platform: row.platform,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Embedded CredentialStore on D1 (schema in migrations/d1/0002_credentials.sql). */
export class D1CredentialStore implements CredentialStore {
  constructor(
    private readonly db: D1Database,
    private readonly timeoutMs: number,
  ) {}

  add(c: CredentialRecord): Promise<AddCredentialOutcome> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      // One transaction: the prior row (read before the write), the insert,
      // and the user's flag. The PRIMARY KEY settles concurrent registrations
      // of one id (BIO-03); the upsert's WHERE lets only the same user's
      // device key replace itself, so any other conflict changes nothing.
      const [prior, upsert] = await this.db.batch([
        this.db.prepare("SELECT user_id FROM credentials WHERE id = ?1").bind(c.id),
        this.db
          .prepare(
            `INSERT INTO credentials (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key, algorithm = excluded.algorithm,
               counter = excluded.counter, platform = excluded.platform, name = excluded.name,
               created_at = excluded.created_at, last_used_at = excluded.last_used_at
             WHERE credentials.user_id = excluded.user_id AND credentials.kind = 'device_key' AND excluded.kind = 'device_key'`,
          )
          .bind(
            c.id,
            c.userId,
            c.kind,
            c.publicKey,
            c.algorithm,
            c.counter,
            JSON.stringify(c.transports),
            c.backupEligible ? 1 : 0,
            c.backedUp ? 1 : 0,
            c.aaguid,
            c.userHandle,
            c.deviceId,
            c.platform,
            c.name,
            c.createdAt,
            c.lastUsedAt,
          ),
        this.db.prepare("UPDATE users SET biometric_enabled = 1 WHERE id = ?1 AND EXISTS (SELECT 1 FROM credentials WHERE user_id = ?1)").bind(c.userId),
      ]);
      if (upsert!.meta.changes !== 1) return "taken";
      return (prior!.results as unknown[]).length === 0 ? "added" : "replaced";
    });
  }

  get(id: string): Promise<CredentialRecord | null> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      const row = await this.db.prepare(`SELECT ${COLUMNS} FROM credentials WHERE id = ?1`).bind(id).first<CredentialRow>();
      return row ? toCredential(row) : null;
    });
  }

  list(userId: string): Promise<CredentialRecord[]> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      const { results } = await this.db
        .prepare(`SELECT ${COLUMNS} FROM credentials WHERE user_id = ?1 ORDER BY created_at, id`)
        .bind(userId)
        .all<CredentialRow>();
      return results.map(toCredential);
    });
  }

  recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      // Compare-and-set on the counter: two assertions that carried the same
      // counter cannot both move it (BIO-04).
      const result = await this.db
        .prepare("UPDATE credentials SET counter = ?3, backed_up = ?4, last_used_at = ?5 WHERE id = ?1 AND counter = ?2")
        .bind(id, expectedCounter, newCounter, backedUp ? 1 : 0, now)
        .run();
      return result.meta.changes === 1;
    });
  }

  remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      const [deleted, , count] = await this.db.batch([
        this.db.prepare("DELETE FROM credentials WHERE id = ?2 AND user_id = ?1").bind(userId, id),
        this.db.prepare("UPDATE users SET biometric_enabled = EXISTS (SELECT 1 FROM credentials WHERE user_id = ?1) WHERE id = ?1").bind(userId),
        this.db.prepare("SELECT COUNT(*) AS n FROM credentials WHERE user_id = ?1").bind(userId),
      ]);
      const remaining = (count!.results as { n: number }[])[0]?.n ?? 0;
      return { removed: deleted!.meta.changes === 1, remaining };
    });
  }

  userHandle(userId: string, candidate: string): Promise<string> {
    return withDeadline("credential-store", this.timeoutMs, async () => {
      // Set only while unset, then read back: the first writer wins a race.
      const [, read] = await this.db.batch([
        this.db.prepare("UPDATE users SET webauthn_user_handle = ?2 WHERE id = ?1 AND webauthn_user_handle IS NULL").bind(userId, candidate),
        this.db.prepare("SELECT webauthn_user_handle AS handle FROM users WHERE id = ?1").bind(userId),
      ]);
      const handle = (read!.results as { handle: string | null }[])[0]?.handle;
      if (!handle) throw new Error("user not found for a WebAuthn user handle");
      return handle;
    });
  }
}
