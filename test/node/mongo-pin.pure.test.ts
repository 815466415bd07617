/**
 * The MongoDB user store's PIN queries (src/adapters/mongo/pin-queries.ts)
 * and the 0004 validator: pure functions, no server. The same store's
 * behaviour against a real server is the user-store contract in
 * mongo-user-store.test.ts (SKIPPED without MONGODB_URI, never mocked).
 */
import { describe, expect, it } from "vitest";
import {
  clearPinFailuresQuery,
  countPinAttemptQuery,
  PIN_FAILURES,
  pinStateQuery,
  recordLoginWrites,
  removePinQuery,
  setPinQuery,
  toPinAttempt,
} from "../../src/adapters/mongo/pin-queries";
import { pinSchema, usersSchema } from "../../migrations/mongo/0004_users_pin.mjs";
import { usersSchema as previousSchema } from "../../migrations/mongo/0003_users_credentials.mjs";
import { usersSchema as lastCountrySchema } from "../../migrations/mongo/0005_users_last_country.mjs";
import { pinRecordLike } from "../contracts/user-store.contract";

const USER = "u".repeat(22);
const NOW = 1_800_000_000_000;

describe("PIN queries (pure, no server)", () => {
  it("setPinQuery writes the whole subdocument (a dotted $set through pin: null fails) with a zero count", () => {
    const record = pinRecordLike("a");
    const q = setPinQuery(USER, record, NOW);
    expect(q.filter).toEqual({ _id: { $eq: USER } });
    expect(q.update).toEqual({ $set: { "authMethods.pin": { enabled: true, ...record, failedAttempts: 0, updatedAt: new Date(NOW) } } });
  });

  it("the written subdocument has exactly the fields the 0004 validator requires, and the iteration cap", () => {
    const doc = (setPinQuery(USER, pinRecordLike(), NOW).update.$set as Record<string, Record<string, unknown>>)["authMethods.pin"]!;
    expect(Object.keys(doc).sort()).toEqual([...pinSchema.required].sort());
    expect(Object.keys(pinSchema.properties).sort()).toEqual([...pinSchema.required].sort());
    expect(pinSchema.additionalProperties).toBe(false);
    expect(pinSchema.properties.iterations.maximum).toBe(100_000);
  });

  it("0004 keeps everything 0003 has and changes only authMethods.pin (null or the record)", () => {
    const { authMethods, ...rest } = usersSchema.properties;
    const { authMethods: prevAuth, ...prevRest } = previousSchema.properties;
    expect(rest).toEqual(prevRest);
    expect(usersSchema.required).toEqual(previousSchema.required);
    const { pin, ...others } = authMethods.properties;
    const { pin: _prevPin, ...prevOthers } = prevAuth.properties;
    expect(others).toEqual(prevOthers);
    expect(pin).toEqual({ oneOf: [{ bsonType: "null" }, pinSchema] });
  });

  it("removePinQuery matches only a user who has a PIN (matchedCount says whether one was removed)", () => {
    expect(removePinQuery(USER)).toEqual({ filter: { _id: { $eq: USER }, "authMethods.pin.enabled": true }, update: { $set: { "authMethods.pin": null } } });
  });

  it("PIN-03: countPinAttemptQuery counts in the same update that checks the cap, and reads back only the PIN", () => {
    const q = countPinAttemptQuery(USER, 5);
    // The cap is in the filter: an attempt past it matches nothing and writes nothing.
    expect(q.filter).toEqual({ _id: { $eq: USER }, "authMethods.pin.enabled": true, [PIN_FAILURES]: { $not: { $gte: 5 } } });
    expect(q.update).toEqual({ $inc: { [PIN_FAILURES]: 1 } });
    expect(q.projection).toEqual({ _id: 0, "authMethods.pin": 1 });
    expect(pinStateQuery(USER)).toEqual({ filter: { _id: { $eq: USER } }, projection: { _id: 0, "authMethods.pin.enabled": 1 } });
  });

  it("PIN-03: toPinAttempt reads the count after the increment, and tells locked from not set", () => {
    const record = pinRecordLike();
    const after = { _id: USER, authMethods: { pin: { enabled: true as const, ...record, failedAttempts: 3, updatedAt: new Date(NOW) } } };
    expect(toPinAttempt(after, null)).toEqual({ status: "counted", record, failuresBefore: 2 });
    // Only the record's own fields go to the domain.
    const counted = toPinAttempt({ ...after, authMethods: { pin: { ...after.authMethods.pin, extra: "x" } as typeof after.authMethods.pin } }, null);
    expect(counted.status === "counted" && Object.keys(counted.record).sort()).toEqual(["alg", "hash", "iterations", "pepperVersion", "salt"]);
    expect(toPinAttempt(null, { _id: USER, authMethods: { pin: { enabled: true } as never } })).toEqual({ status: "locked" });
    expect(toPinAttempt(null, { _id: USER, authMethods: { pin: null } })).toEqual({ status: "not_set" });
    expect(toPinAttempt(null, null)).toEqual({ status: "not_set" });
  });

  it("PIN-03: a sign-in clears the count in the same round trip as lastLogin, without touching a user with no PIN", () => {
    const clear = clearPinFailuresQuery(USER);
    expect(clear).toEqual({ filter: { _id: { $eq: USER }, [PIN_FAILURES]: { $gt: 0 } }, update: { $set: { [PIN_FAILURES]: 0 } } });
    expect(recordLoginWrites(USER, NOW)).toEqual([
      { updateOne: { filter: { _id: { $eq: USER } }, update: { $set: { lastLogin: new Date(NOW) } } } },
      { updateOne: { filter: clear.filter, update: clear.update } },
    ]);
    // With the sign-in's country, it is kept as the last one (an unknown country keeps the previous).
    expect(recordLoginWrites(USER, NOW, "DE")[0]).toEqual({ updateOne: { filter: { _id: { $eq: USER } }, update: { $set: { lastLogin: new Date(NOW), lastCountry: "DE" } } } });
  });

  it("0005 adds only lastCountry (two letters or null) to 0004's validator", () => {
    const { lastCountry, ...rest } = lastCountrySchema.properties;
    expect(rest).toEqual(usersSchema.properties);
    expect(lastCountry).toMatchObject({ bsonType: ["string", "null"], pattern: "^[A-Z][A-Z0-9]$" });
    expect(lastCountrySchema.additionalProperties).toBe(false);
  });
});
