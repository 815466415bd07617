/**
 * Pure checks of the MongoDB credential store: every filter, update,
 * projection and pipeline it sends, the document mapping, the E11000 rule
 * and the add step machine. No server and no mock: these are the values the
 * driver is handed; what a server does with them is covered by
 * test/node/mongo-credential-store.test.ts when MONGODB_URI is set.
 */
import { readFileSync } from "node:fs";
import { MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  CREDENTIAL_FIELDS,
  credentialCount,
  listCredentials,
  pickCredential,
  storedUserHandle,
  toCredentialDocument,
  toCredentialRecord,
} from "../../src/adapters/mongo/credential-documents";
import {
  CREDENTIAL_ID_INDEX,
  MAX_ADD_STEPS,
  claimUserHandle,
  credentialById,
  credentialIdsOfUser,
  credentialsOfUser,
  firstAddStep,
  isCredentialIdConflict,
  nextAddStep,
  pushCredential,
  readUserHandle,
  recordUse,
  removeCredential,
  replaceDeviceKey,
  userExists,
  type AddNext,
  type AddStepResult,
} from "../../src/adapters/mongo/credential-queries";
import type { CredentialKind } from "../../src/domain/biometric-ports";
import { USER_PROJECTION } from "../../src/adapters/mongo/user-store";
import { credentialSchema, indexes, usersSchema } from "../../migrations/mongo/0003_users_credentials.mjs";
import { usersSchema as previousSchema } from "../../migrations/mongo/0002_users_validator.mjs";
import { deviceKeyLike, passkeyLike } from "../contracts/credential-store.contract";

const USER = "u".repeat(22);

describe("credential documents (pure, no server)", () => {
  it("round-trips a record through its subdocument, without the owner and with dates as Dates", () => {
    for (const rec of [passkeyLike(USER), deviceKeyLike(USER), passkeyLike(USER, { lastUsedAt: 1_800_000_000_123, counter: 2 ** 32 - 1 })]) {
      const doc = toCredentialDocument(rec);
      expect(doc).not.toHaveProperty("userId");
      expect(doc.createdAt).toEqual(new Date(rec.createdAt));
      expect(doc.lastUsedAt).toEqual(rec.lastUsedAt === null ? null : new Date(rec.lastUsedAt));
      expect(toCredentialRecord(USER, doc)).toEqual(rec);
    }
  });

  it("the adapter, CREDENTIAL_FIELDS and the 0003 validator name exactly the same fields", () => {
    const keys = Object.keys(toCredentialDocument(passkeyLike(USER))).sort();
    expect([...CREDENTIAL_FIELDS].sort()).toEqual(keys);
    expect([...credentialSchema.required].sort()).toEqual(keys);
    expect(Object.keys(credentialSchema.properties).sort()).toEqual(keys);
    expect(credentialSchema.additionalProperties).toBe(false);
    const kinds: CredentialKind[] = ["passkey", "device_key"];
    expect(credentialSchema.properties.kind.enum).toEqual(kinds);
    expect(credentialSchema.properties.platform.enum).toEqual(["ios", "android", "web", null]);
  });

  it("picks only the credential asked for, lists oldest first and counts what is there", () => {
    const a = passkeyLike(USER, { id: "b", createdAt: 2 });
    const b = deviceKeyLike(USER, "d1", { createdAt: 1 });
    const c = passkeyLike(USER, { id: "a", createdAt: 2 });
    const doc = { _id: USER, authMethods: { credentials: [a, b, c].map(toCredentialDocument) } };
    expect(pickCredential(doc, "b")).toEqual(a);
    expect(pickCredential(doc, "zz")).toBeNull();
    expect(pickCredential(null, "b")).toBeNull();
    expect(listCredentials(doc)).toEqual([b, c, a]);
    expect(listCredentials(null)).toEqual([]);
    expect(listCredentials({ _id: USER, authMethods: {} })).toEqual([]);
    expect(credentialCount(doc)).toBe(3);
    expect(credentialCount({ _id: USER, authMethods: { credentials: [{ id: "x" }] } })).toBe(1);
    expect(credentialCount({ _id: USER, authMethods: { credentials: null } })).toBe(0);
    expect(credentialCount(null)).toBe(0);
    expect(storedUserHandle({ _id: USER, authMethods: { webauthnUserHandle: "h" } })).toBe("h");
    expect(storedUserHandle({ _id: USER, authMethods: {} })).toBeNull();
    expect(storedUserHandle(null)).toBeNull();
  });
});

describe("credential queries (pure, no server)", () => {
  it("add (passkey): one update that refuses an id the user has ($ne) and turns the flag on", () => {
    const c = passkeyLike(USER);
    const q = pushCredential(c);
    expect(q.filter).toEqual({ _id: { $eq: USER }, "authMethods.credentials.id": { $ne: c.id } });
    expect(q.update).toEqual({
      $push: { "authMethods.credentials": toCredentialDocument(c) },
      // Whole subdocument: a dotted $set through a null `biometric` fails.
      $set: { "authMethods.biometric": { enabled: true } },
    });
    expect(q.arrayFilters).toBeUndefined();
  });

  it("add (device key): replaces only this user's device_key element with that id", () => {
    const c = deviceKeyLike(USER, "dev1");
    const q = replaceDeviceKey(c);
    expect(q.filter).toEqual({ _id: { $eq: USER }, "authMethods.credentials": { $elemMatch: { id: { $eq: "device:dev1" }, kind: "device_key" } } });
    expect(q.update).toEqual({ $set: { "authMethods.credentials.$[c]": toCredentialDocument(c), "authMethods.biometric": { enabled: true } } });
    expect(q.arrayFilters).toEqual([{ "c.id": { $eq: "device:dev1" } }]);
    expect(userExists(USER)).toEqual({ filter: { _id: { $eq: USER } }, projection: { _id: 1 } });
  });

  it("reads: by id through the unique index with a positional projection; by user without other fields", () => {
    expect(credentialById("abc")).toEqual({
      filter: { "authMethods.credentials.id": { $eq: "abc" } },
      projection: { _id: 1, "authMethods.credentials.$": 1 },
    });
    expect(credentialsOfUser(USER)).toEqual({ filter: { _id: { $eq: USER } }, projection: { _id: 1, "authMethods.credentials": 1 } });
    // Counting reads ids only, never key material.
    expect(credentialIdsOfUser(USER)).toEqual({ filter: { _id: { $eq: USER } }, projection: { _id: 1, "authMethods.credentials.id": 1 } });
  });

  it("BIO-04: recordUse matches only while the element holds the expected counter and sets three fields of that element", () => {
    const q = recordUse("abc", 7, 8, false, 1_800_000_000_500);
    expect(q.filter).toEqual({
      "authMethods.credentials.id": { $eq: "abc" },
      "authMethods.credentials": { $elemMatch: { id: { $eq: "abc" }, counter: { $eq: 7 } } },
    });
    expect(q.update).toEqual({
      $set: {
        "authMethods.credentials.$[c].counter": 8,
        "authMethods.credentials.$[c].backedUp": false,
        "authMethods.credentials.$[c].lastUsedAt": new Date(1_800_000_000_500),
      },
    });
    expect(q.arrayFilters).toEqual([{ "c.id": { $eq: "abc" } }]);
  });

  it("remove: one pipeline update filters the id out and sets the flag from the size after removal", () => {
    const q = removeCredential(USER, "$authMethods");
    expect(q.filter).toEqual({ _id: { $eq: USER }, "authMethods.credentials.id": { $eq: "$authMethods" } });
    expect(q.pipeline).toEqual([
      {
        $set: {
          "authMethods.credentials": {
            $filter: {
              input: { $ifNull: ["$authMethods.credentials", []] },
              as: "c",
              // An id that looks like a field path is still compared as a string.
              cond: { $ne: ["$$c.id", { $literal: "$authMethods" }] },
            },
          },
        },
      },
      // Second stage: reads the list the first stage left, so flag and removal are one step.
      { $set: { "authMethods.biometric": { $mergeObjects: ["$authMethods.biometric", { enabled: { $gt: [{ $size: "$authMethods.credentials" }, 0] } }] } } },
    ]);
    expect(q.projection).toEqual({ _id: 1, "authMethods.credentials.id": 1 });
  });

  it("user handle: set only while none exists, then read back with just that field", () => {
    expect(claimUserHandle(USER, "h1")).toEqual({
      filter: { _id: { $eq: USER }, "authMethods.webauthnUserHandle": { $exists: false } },
      update: { $set: { "authMethods.webauthnUserHandle": "h1" } },
      projection: { _id: 1, "authMethods.webauthnUserHandle": 1 },
    });
    expect(readUserHandle(USER)).toEqual({ filter: { _id: { $eq: USER } }, projection: { _id: 1, "authMethods.webauthnUserHandle": 1 } });
  });
});

describe("E11000 and the add steps (pure, no server)", () => {
  it("a duplicate key on the credential id index, as the driver raises it, is a conflict; anything else is not", () => {
    const dup = (extra: object): MongoServerError => new MongoServerError({ code: 11000, errmsg: "E11000 duplicate key error", ...extra });
    expect(isCredentialIdConflict(dup({ keyPattern: { "authMethods.credentials.id": 1 }, keyValue: { "authMethods.credentials.id": "x" } }))).toBe(true);
    // Older servers may not name the key: the add can only hit credential ids.
    expect(isCredentialIdConflict(dup({}))).toBe(true);
    expect(isCredentialIdConflict(dup({ keyPattern: { phone: 1 } }))).toBe(false);
    expect(isCredentialIdConflict(new MongoServerError({ code: 121, errmsg: "Document failed validation" }))).toBe(false);
    expect(isCredentialIdConflict({ code: "11000" })).toBe(false);
    expect(isCredentialIdConflict(new Error("E11000"))).toBe(false);
    expect(isCredentialIdConflict(null)).toBe(false);
    expect(isCredentialIdConflict(11000)).toBe(false);
  });

  /** Runs the step machine over scripted step results (what each update or read returned). */
  function play(kind: CredentialKind, results: AddStepResult[]): { steps: string[]; end: AddNext } {
    let step = firstAddStep(kind);
    const steps: string[] = [];
    for (const result of results) {
      steps.push(`${step}:${result}`);
      const next = nextAddStep(kind, step, result);
      if (!("step" in next)) return { steps, end: next };
      step = next.step;
    }
    throw new Error(`script ended before an outcome: ${steps.join(" ")}`);
  }

  it("passkey: added, taken by another user (E11000), taken by the same user ($ne), or no such user", () => {
    expect(play("passkey", ["matched"])).toEqual({ steps: ["push:matched"], end: { outcome: "added" } });
    expect(play("passkey", ["taken"]).end).toEqual({ outcome: "taken" });
    expect(play("passkey", ["unmatched", "matched"])).toEqual({ steps: ["push:unmatched", "check-user:matched"], end: { outcome: "taken" } });
    expect(play("passkey", ["unmatched", "unmatched"]).end).toEqual({ missingUser: true });
  });

  it("device key: replaced for the same user, added when new, taken for another user's device", () => {
    expect(play("device_key", ["matched"])).toEqual({ steps: ["replace:matched"], end: { outcome: "replaced" } });
    expect(play("device_key", ["unmatched", "matched"])).toEqual({ steps: ["replace:unmatched", "push:matched"], end: { outcome: "added" } });
    expect(play("device_key", ["unmatched", "taken"]).end).toEqual({ outcome: "taken" });
    expect(play("device_key", ["unmatched", "unmatched", "unmatched"]).end).toEqual({ missingUser: true });
  });

  it("device key: losing a push race to the same user's concurrent enrolment ends replaced, within MAX_ADD_STEPS", () => {
    const race = play("device_key", ["unmatched", "unmatched", "matched", "matched"]);
    expect(race).toEqual({ steps: ["replace:unmatched", "push:unmatched", "check-user:matched", "replace:matched"], end: { outcome: "replaced" } });
    expect(race.steps.length).toBeLessThanOrEqual(MAX_ADD_STEPS);
  });
});

describe("schema (pure, no server)", () => {
  it("0003: unique, partial multikey index on credential ids and on the user handle", () => {
    const [cred, handle] = indexes;
    expect(cred).toEqual({
      key: { "authMethods.credentials.id": 1 },
      // Partial: users without credentials must not collide on a null key.
      options: { name: CREDENTIAL_ID_INDEX, unique: true, partialFilterExpression: { "authMethods.credentials.id": { $exists: true } } },
    });
    expect(handle).toEqual({
      key: { "authMethods.webauthnUserHandle": 1 },
      options: { name: "webauthn_user_handle_unique", unique: true, partialFilterExpression: { "authMethods.webauthnUserHandle": { $exists: true } } },
    });
  });

  it("0003: the validator keeps everything 0002 has and admits only the two new authMethods fields", () => {
    const { authMethods, ...rest } = usersSchema.properties;
    const { authMethods: before, ...restBefore } = previousSchema.properties;
    expect(rest).toEqual(restBefore);
    expect(usersSchema.required).toEqual(previousSchema.required);
    expect(usersSchema.additionalProperties).toBe(false);
    expect(authMethods.additionalProperties).toBe(false);
    expect(Object.keys(authMethods.properties).sort()).toEqual([...Object.keys(before.properties), "credentials", "webauthnUserHandle"].sort());
    expect(authMethods.properties.credentials).toEqual({ bsonType: "array", items: credentialSchema });
  });

  it("the user store's default projection still reads no credential material", () => {
    // An inclusion projection: anything not named (PIN hash and salt, credentials, public keys, the handle) stays in the database.
    expect(USER_PROJECTION).toEqual({
      phone: 1,
      createdAt: 1,
      lastLogin: 1,
      "authMethods.pin.enabled": 1,
      "authMethods.pin.failedAttempts": 1,
      "authMethods.biometric.enabled": 1,
      lastCountry: 1,
    });
  });

  it("the credential adapters import the driver for types only (the default build never loads it)", () => {
    for (const file of ["credential-documents", "credential-queries", "credential-store", "gateway-credential-store", "per-request-credential-store", "credential-store-factory"]) {
      const source = readFileSync(new URL(`../../src/adapters/mongo/${file}.ts`, import.meta.url), "utf8");
      const runtime = source.split("\n").filter((l) => /from "mongodb"/.test(l) && !/^import type /.test(l));
      expect(runtime, file).toEqual([]);
    }
  });
});
