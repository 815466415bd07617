import type { Collection, Db } from "mongodb";
import type { AddCredentialOutcome, CredentialRecord, CredentialStore } from "../../domain/biometric-ports";
import { credentialCount, listCredentials, pickCredential, storedUserHandle, type CredentialHolder, type ProjectedHolder } from "./credential-documents";
import {
  claimUserHandle,
  credentialById,
  credentialIdsOfUser,
  credentialsOfUser,
  firstAddStep,
  isCredentialIdConflict,
  MAX_ADD_STEPS,
  nextAddStep,
  pushCredential,
  readUserHandle,
  recordUse,
  removeCredential,
  replaceDeviceKey,
  userExists,
  type AddStep,
  type AddStepResult,
  type UpdateQuery,
} from "./credential-queries";

/**
 * CredentialStore on the official driver, in the `users` documents beside
 * the user they belong to (so the biometric flag changes in the same atomic
 * write as the list). Every query is built in credential-queries.ts; this
 * class only sends them, each with `maxTimeMS`. Runs wherever the driver
 * runs: Node for the contract suite, the MongoGateway Durable Object, or a
 * request (per-request-credential-store.ts).
 */
export class MongoCredentialStore implements CredentialStore {
  private readonly users: Collection<CredentialHolder>;

  constructor(
    db: Db,
    private readonly timeoutMs: number,
  ) {
    this.users = db.collection<CredentialHolder>("users");
  }

  async add(credential: CredentialRecord): Promise<AddCredentialOutcome> {
    let step: AddStep = firstAddStep(credential.kind);
    for (let i = 0; i < MAX_ADD_STEPS; i++) {
      const next = nextAddStep(credential.kind, step, await this.addStep(step, credential));
      if ("outcome" in next) return next.outcome;
      if ("missingUser" in next) throw new Error("no such user to add a credential to");
      step = next.step;
    }
    throw new Error("could not add a credential: the user's list kept changing");
  }

  private async addStep(step: AddStep, credential: CredentialRecord): Promise<AddStepResult> {
    if (step === "check-user") {
      const q = userExists(credential.userId);
      const doc = await this.users.findOne(q.filter, { projection: q.projection, maxTimeMS: this.timeoutMs });
      return doc ? "matched" : "unmatched";
    }
    const q: UpdateQuery = step === "push" ? pushCredential(credential) : replaceDeviceKey(credential);
    try {
      const result = await this.users.updateOne(q.filter, q.update, {
        ...(q.arrayFilters ? { arrayFilters: q.arrayFilters } : {}),
        maxTimeMS: this.timeoutMs,
      });
      return result.matchedCount === 1 ? "matched" : "unmatched";
    } catch (err) {
      // The unique index settled a race for this id in another user's favour (BIO-03).
      if (isCredentialIdConflict(err)) return "taken";
      throw err;
    }
  }

  async get(id: string): Promise<CredentialRecord | null> {
    const q = credentialById(id);
    const doc = await this.users.findOne(q.filter, { projection: q.projection, maxTimeMS: this.timeoutMs });
    return pickCredential(doc as ProjectedHolder | null, id);
  }

  async list(userId: string): Promise<CredentialRecord[]> {
    const q = credentialsOfUser(userId);
    const doc = await this.users.findOne(q.filter, { projection: q.projection, maxTimeMS: this.timeoutMs });
    return listCredentials(doc as ProjectedHolder | null);
  }

  async recordUse(id: string, expectedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
    const q = recordUse(id, expectedCounter, newCounter, backedUp, now);
    const result = await this.users.updateOne(q.filter, q.update, { arrayFilters: q.arrayFilters, maxTimeMS: this.timeoutMs });
    return result.matchedCount === 1;
  }

  async remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    const q = removeCredential(userId, id);
    const after = await this.users.findOneAndUpdate(q.filter, q.pipeline, {
      returnDocument: "after",
      projection: q.projection,
      maxTimeMS: this.timeoutMs,
    });
    // Removed: the count comes from the same atomic write as the flag.
    if (after) return { removed: true, remaining: credentialCount(after as ProjectedHolder) };
    // Nothing of this user's had that id; report what the user has.
    const read = credentialIdsOfUser(userId);
    const doc = await this.users.findOne(read.filter, { projection: read.projection, maxTimeMS: this.timeoutMs });
    return { removed: false, remaining: credentialCount(doc as ProjectedHolder | null) };
  }

  async userHandle(userId: string, candidate: string): Promise<string> {
    const claim = claimUserHandle(userId, candidate);
    const claimed = await this.users.findOneAndUpdate(claim.filter, claim.update, {
      returnDocument: "after",
      projection: claim.projection,
      maxTimeMS: this.timeoutMs,
    });
    const won = storedUserHandle(claimed as ProjectedHolder | null);
    if (won) return won;
    // Another writer got there first (now or earlier): everyone gets its value.
    const read = readUserHandle(userId);
    const doc = await this.users.findOne(read.filter, { projection: read.projection, maxTimeMS: this.timeoutMs });
    const stored = storedUserHandle(doc as ProjectedHolder | null);
    if (!stored) throw new Error("no such user for a WebAuthn user handle");
    return stored;
  }
}
