import type { Collection, Db } from "mongodb";
import type { PinAttempt, PinRecord, UserRecord, UserStore } from "../../domain/ports";
import { randomId } from "../../lib/crypto";
import { clearPinFailuresQuery, countPinAttemptQuery, pinStateQuery, recordLoginWrites, removePinQuery, setPinQuery, toPinAttempt, type PinDocument, type PinHolder } from "./pin-queries";
import { missingUserIndexes, type IndexInfo } from "./schema";
import type { Preferences } from "../../domain/preferences";
import { changePhoneOutcome, changePhoneQuery, phoneHeldQuery, replaceCiphertextQuery, staleCiphertextsQuery } from "./phone-queries";
import { putPreferencesQuery, readPreferencesQuery, toPreferences, type PreferencesHolder } from "./preferences-queries";

/**
 * Shape of a document in `users` (validator in migrations/mongo). `phone` is
 * the keyed phone hash (blind index, unique), never the number itself.
 * `authMethods` holds credential material and is never selected by default.
 */
export interface UserDocument {
  _id: string;
  phone: string;
  phoneEncrypted: string;
  createdAt: Date;
  lastLogin: Date | null;
  authMethods: {
    /** The PIN's KDF record and wrong-PIN count (pin-queries.ts); never projected with the user. */
    pin: PinDocument | null;
    biometric: { enabled: boolean } | null;
    publicKey: { keyId: string; publicKeyJwk: Record<string, unknown> }[] | null;
  };
  devices: { fingerprint: string; lastUsed: Date }[];
}

// Only the flags and the wrong-PIN count are read back; PIN hashes and public keys stay in the database.
export const USER_PROJECTION = {
  phone: 1,
  createdAt: 1,
  lastLogin: 1,
  "authMethods.pin.enabled": 1,
  "authMethods.pin.failedAttempts": 1,
  "authMethods.biometric.enabled": 1,
  lastCountry: 1,
} as const;

type Projected = Pick<UserDocument, "_id" | "phone" | "createdAt" | "lastLogin"> & {
  lastCountry?: string | null;
  authMethods?: { pin?: { enabled?: boolean; failedAttempts?: number } | null; biometric?: { enabled?: boolean } | null };
};

function toUser(doc: Projected): UserRecord {
  return {
    id: doc._id,
    phoneHash: doc.phone,
    createdAt: doc.createdAt.getTime(),
    lastLoginAt: doc.lastLogin ? doc.lastLogin.getTime() : null,
    biometricEnabled: doc.authMethods?.biometric?.enabled === true,
    pinEnabled: doc.authMethods?.pin?.enabled === true,
    pinFailures: doc.authMethods?.pin?.failedAttempts ?? 0,
    lastCountry: doc.lastCountry ?? null,
  };
}

/** The one document an erasure deletes; `$eq` so an id can never be read as an operator. */
export function deleteUserFilter(id: string): { _id: { $eq: string } } {
  return { _id: { $eq: id } };
}

const DUPLICATE_KEY = 11000;

function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && (err as { code: unknown }).code === DUPLICATE_KEY;
}

/**
 * UserStore on the official driver. Runs wherever the driver runs (Node for
 * the contract suite; a Durable Object or a request in the Worker build that
 * bundles it). Every operation carries `maxTimeMS`; connection deadlines are
 * set where the client is created.
 */
export class MongoUserStore implements UserStore {
  private readonly users: Collection<UserDocument>;

  constructor(
    private readonly db: Db,
    private readonly timeoutMs: number,
  ) {
    this.users = db.collection<UserDocument>("users");
  }

  async findOrCreateByPhone(phoneHash: string, phoneCiphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    const id = randomId(16);
    // `phone` comes from the filter on insert; it is not repeated here.
    const insert: Omit<UserDocument, "phone"> = {
      _id: id,
      phoneEncrypted: phoneCiphertext,
      createdAt: new Date(now),
      lastLogin: null,
      authMethods: { pin: null, biometric: null, publicKey: null },
      devices: [],
    };
    // An upsert keyed on the unique `phone` index. Two concurrent first
    // sign-ins can both try to insert; the loser gets E11000 and reads the
    // winner's document instead, so there is always exactly one user.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const doc = await this.users.findOneAndUpdate(
          { phone: phoneHash },
          { $setOnInsert: insert },
          { upsert: true, returnDocument: "after", projection: USER_PROJECTION, maxTimeMS: this.timeoutMs },
        );
        if (doc) return { user: toUser(doc as Projected), created: doc._id === id };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error("could not create or find user after concurrent upserts");
  }

  async getById(id: string): Promise<UserRecord | null> {
    const doc = await this.users.findOne({ _id: id }, { projection: USER_PROJECTION, maxTimeMS: this.timeoutMs });
    return doc ? toUser(doc as Projected) : null;
  }

  async recordLogin(id: string, now: number, country: string | null = null): Promise<void> {
    await this.pins().bulkWrite(recordLoginWrites(id, now, country), { ordered: false, maxTimeMS: this.timeoutMs });
  }

  /** The same collection, typed for the PIN queries. */
  private pins(): Collection<PinHolder> {
    return this.db.collection<PinHolder>("users");
  }

  async setPin(id: string, pin: PinRecord, now: number): Promise<boolean> {
    const q = setPinQuery(id, pin, now);
    return (await this.pins().updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs })).matchedCount === 1;
  }

  async removePin(id: string): Promise<boolean> {
    const q = removePinQuery(id);
    return (await this.pins().updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs })).matchedCount === 1;
  }

  async countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    const q = countPinAttemptQuery(id, maxAttempts);
    const counted = await this.pins().findOneAndUpdate(q.filter, q.update, { returnDocument: "after", projection: q.projection, maxTimeMS: this.timeoutMs });
    if (counted) return toPinAttempt(counted, null);
    const s = pinStateQuery(id);
    return toPinAttempt(null, await this.pins().findOne(s.filter, { projection: s.projection, maxTimeMS: this.timeoutMs }));
  }

  async clearPinFailures(id: string): Promise<void> {
    const q = clearPinFailuresQuery(id);
    await this.pins().updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs });
  }

  async phoneCiphertext(id: string): Promise<string | null> {
    const doc = await this.users.findOne({ _id: id }, { projection: { phoneEncrypted: 1 }, maxTimeMS: this.timeoutMs });
    return doc?.phoneEncrypted ?? null;
  }

  async preferences(id: string): Promise<Preferences | null> {
    const q = readPreferencesQuery(id);
    return toPreferences(await this.prefs().findOne(q.filter, { projection: q.projection, maxTimeMS: this.timeoutMs }));
  }

  async putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    const q = putPreferencesQuery(id, next, expectedVersion);
    return (await this.prefs().updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs })).matchedCount === 1;
  }

  private prefs(): Collection<PreferencesHolder> {
    return this.users as unknown as Collection<PreferencesHolder>;
  }

  async changePhone(id: string, phoneHash: string, phoneCiphertext: string): Promise<"changed" | "in_use" | "gone"> {
    const q = changePhoneQuery(id, phoneHash, phoneCiphertext);
    const result = await this.users.updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs }).then(
      (r) => ({ matchedCount: r.matchedCount }),
      (error: unknown) => ({ error }),
    );
    return changePhoneOutcome(result);
  }

  async staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    const q = staleCiphertextsQuery(currentKeyId);
    const docs = await this.users.find(q.filter, { projection: q.projection, limit, maxTimeMS: this.timeoutMs }).toArray();
    return docs.map((d) => ({ id: d._id, ciphertext: d.phoneEncrypted }));
  }

  async replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    const q = replaceCiphertextQuery(id, expected, next);
    return (await this.users.updateOne(q.filter, q.update, { maxTimeMS: this.timeoutMs })).matchedCount === 1;
  }

  async phoneHeld(phoneHash: string): Promise<boolean> {
    const q = phoneHeldQuery(phoneHash);
    return (await this.users.findOne(q.filter, { projection: q.projection, maxTimeMS: this.timeoutMs })) !== null;
  }

  async deleteUser(id: string): Promise<void> {
    // The credentials live in the document: they go with it.
    await this.users.deleteOne(deleteUserFilter(id), { maxTimeMS: this.timeoutMs });
  }

  /**
   * Readiness: the server answers and `users` has what a sign-in relies on
   * (a missing collection fails listIndexes; a missing unique index is named).
   */
  async ping(): Promise<void> {
    const indexes = await this.users.listIndexes({ timeoutMS: this.timeoutMs }).toArray();
    const missing = missingUserIndexes(indexes as IndexInfo[]);
    if (missing.length > 0) throw new Error(`users schema incomplete: ${missing.join("; ")}`);
  }
}
