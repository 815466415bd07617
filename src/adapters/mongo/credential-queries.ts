/**
 * Every filter, update, projection and pipeline the MongoDB credential store
 * sends, and the rules that turn results into outcomes (pure: no driver,
 * unit-tested without a server in test/node/mongo-credentials.pure.test.ts).
 * Only the driver calls in credential-store.ts need a real server.
 *
 * Values from requests are always compared with `$eq` (never as a bare
 * value) so a non-string that slipped through could not act as an operator.
 */
import type { Document, Filter, UpdateFilter } from "mongodb";
import type { AddCredentialOutcome, CredentialKind, CredentialRecord } from "../../domain/biometric-ports";
import { toCredentialDocument, type CredentialHolder } from "./credential-documents";

export const CREDENTIALS = "authMethods.credentials";
export const CREDENTIAL_ID = "authMethods.credentials.id";
export const USER_HANDLE = "authMethods.webauthnUserHandle";
/** Name of the unique multikey index on CREDENTIAL_ID (migrations/mongo/0003). */
export const CREDENTIAL_ID_INDEX = "credential_id_unique";

export interface UpdateQuery {
  filter: Filter<CredentialHolder>;
  update: UpdateFilter<CredentialHolder>;
  arrayFilters?: Document[];
}

/** An update that names its array element through `$[c]`. */
export type ArrayUpdateQuery = UpdateQuery & { arrayFilters: Document[] };

export interface PipelineQuery {
  filter: Filter<CredentialHolder>;
  pipeline: Document[];
  projection: Document;
}

export interface ReadQuery {
  filter: Filter<CredentialHolder>;
  projection: Document;
}

// `biometric` is null on a new user, and a dotted $set through null fails
// (PathNotViable), so the whole subdocument is set; it holds only the flag.
const BIOMETRIC_ON = { "authMethods.biometric": { enabled: true } } as const;

/**
 * Appends a credential to its user's list and turns the flag on, in one
 * update. `$ne` refuses an id this user already has (a unique index does not
 * stop duplicates inside one document); the unique multikey index refuses
 * one another user has with E11000 (BIO-03).
 */
export function pushCredential(c: CredentialRecord): UpdateQuery {
  return {
    filter: { _id: { $eq: c.userId }, [CREDENTIAL_ID]: { $ne: c.id } },
    update: { $push: { [CREDENTIALS]: toCredentialDocument(c) }, $set: { ...BIOMETRIC_ON } },
  };
}

/**
 * Replaces the same user's device key for that device (a new key after the
 * device's biometrics changed). Matches only this user's document and only a
 * device_key element, so it can never touch another user's credential.
 */
export function replaceDeviceKey(c: CredentialRecord): ArrayUpdateQuery {
  return {
    filter: { _id: { $eq: c.userId }, [CREDENTIALS]: { $elemMatch: { id: { $eq: c.id }, kind: "device_key" } } },
    update: { $set: { [`${CREDENTIALS}.$[c]`]: toCredentialDocument(c), ...BIOMETRIC_ON } },
    arrayFilters: [{ "c.id": { $eq: c.id } }],
  };
}

export function userExists(userId: string): ReadQuery {
  return { filter: { _id: { $eq: userId } }, projection: { _id: 1 } };
}

/**
 * One credential by id. An equality on the id uses the partial unique index
 * (a non-null match implies its `$exists` filter); the positional projection
 * returns just the matching element, not the user's other keys.
 */
export function credentialById(id: string): ReadQuery {
  return { filter: { [CREDENTIAL_ID]: { $eq: id } }, projection: { _id: 1, [`${CREDENTIALS}.$`]: 1 } };
}

export function credentialsOfUser(userId: string): ReadQuery {
  return { filter: { _id: { $eq: userId } }, projection: { _id: 1, [CREDENTIALS]: 1 } };
}

/** Only the ids: enough to count what remains, without reading key material. */
export function credentialIdsOfUser(userId: string): ReadQuery {
  return { filter: { _id: { $eq: userId } }, projection: { _id: 1, [CREDENTIAL_ID]: 1 } };
}

/**
 * Compare-and-set on the counter (BIO-04): the filter matches only while the
 * element still holds `expected`, and filter and update are one atomic
 * single-document write, so of concurrent uses with one counter one matches.
 * The top-level id equality lets the server use the unique index; arrayFilters
 * (not the positional `$`, ambiguous with two conditions on the array) picks
 * the element, which is unique within the document because `add` uses `$ne`.
 */
export function recordUse(id: string, expected: number, next: number, backedUp: boolean, now: number): ArrayUpdateQuery {
  const el = `${CREDENTIALS}.$[c]`;
  return {
    filter: {
      [CREDENTIAL_ID]: { $eq: id },
      [CREDENTIALS]: { $elemMatch: { id: { $eq: id }, counter: { $eq: expected } } },
    },
    update: { $set: { [`${el}.counter`]: next, [`${el}.backedUp`]: backedUp, [`${el}.lastUsedAt`]: new Date(now) } },
    arrayFilters: [{ "c.id": { $eq: id } }],
  };
}

/**
 * Removes one of the user's credentials and sets the flag from what is left,
 * in one pipeline update: the flag and the returned document ("after") always
 * agree with the removal. The id goes in through `$literal` so an id starting
 * with `$` is compared as a string, never read as a field path.
 */
export function removeCredential(userId: string, id: string): PipelineQuery {
  const list = `$${CREDENTIALS}`;
  return {
    filter: { _id: { $eq: userId }, [CREDENTIAL_ID]: { $eq: id } },
    pipeline: [
      { $set: { [CREDENTIALS]: { $filter: { input: { $ifNull: [list, []] }, as: "c", cond: { $ne: ["$$c.id", { $literal: id }] } } } } },
      // `$mergeObjects` ignores a null `biometric` and keeps any other field it may gain.
      { $set: { "authMethods.biometric": { $mergeObjects: ["$authMethods.biometric", { enabled: { $gt: [{ $size: list }, 0] } }] } } },
    ],
    projection: { _id: 1, [CREDENTIAL_ID]: 1 },
  };
}

/** First writer wins: the handle is set only while none is stored. */
export function claimUserHandle(userId: string, candidate: string): UpdateQuery & { projection: Document } {
  return {
    filter: { _id: { $eq: userId }, [USER_HANDLE]: { $exists: false } },
    update: { $set: { [USER_HANDLE]: candidate } },
    projection: { _id: 1, [USER_HANDLE]: 1 },
  };
}

export function readUserHandle(userId: string): ReadQuery {
  return { filter: { _id: { $eq: userId } }, projection: { _id: 1, [USER_HANDLE]: 1 } };
}

const DUPLICATE_KEY = 11000;

/**
 * E11000 from an add: the credential id is registered to another user. The
 * only unique keys an add can touch are the credential ids, but when the
 * server names the index's key pattern and it is another one, it is not ours
 * to call "taken" and the error is passed on.
 */
export function isCredentialIdConflict(err: unknown): boolean {
  if (typeof err !== "object" || err === null || !("code" in err) || err.code !== DUPLICATE_KEY) return false;
  const pattern = "keyPattern" in err ? err.keyPattern : undefined;
  if (typeof pattern !== "object" || pattern === null) return true;
  return CREDENTIAL_ID in pattern;
}

/**
 * `add` as steps. `push` and `replace` are the updates above; `check-user`
 * reads whether the user exists. Each step ends `matched` (the update
 * matched / the user exists), `unmatched`, or `taken` (E11000 on the id).
 */
export type AddStep = "push" | "replace" | "check-user";
export type AddStepResult = "matched" | "unmatched" | "taken";
export type AddNext = { outcome: AddCredentialOutcome } | { step: AddStep } | { missingUser: true };

/** Enough for a device key to lose a push race and then replace; more means something else keeps changing the list. */
export const MAX_ADD_STEPS = 6;

export function firstAddStep(kind: CredentialKind): AddStep {
  return kind === "device_key" ? "replace" : "push";
}

export function nextAddStep(kind: CredentialKind, step: AddStep, result: AddStepResult): AddNext {
  if (result === "taken") return { outcome: "taken" };
  switch (step) {
    case "replace":
      return result === "matched" ? { outcome: "replaced" } : { step: "push" };
    case "push":
      // Unmatched: no such user, or the user already has this id.
      return result === "matched" ? { outcome: "added" } : { step: "check-user" };
    case "check-user":
      if (result !== "matched") return { missingUser: true };
      // The user exists, so the push found the id in its own list: a passkey
      // id is taken (BIO-03); a device key was enrolled by this same user
      // meanwhile (a concurrent enrolment), so it is replaced.
      return kind === "device_key" ? { step: "replace" } : { outcome: "taken" };
  }
}
