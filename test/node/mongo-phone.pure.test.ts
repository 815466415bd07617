/** MongoDB phone-change queries, pure: the update the adapter sends and how its result is read, without a server. */
import { describe, expect, it } from "vitest";
import { changePhoneOutcome, changePhoneQuery, phoneHeldQuery } from "../../src/adapters/mongo/phone-queries";

describe("MongoDB phone change (pure)", () => {
  it("replaces the blind index and the ciphertext of one user, by $eq, in one update", () => {
    expect(changePhoneQuery("u1", "h2", "c2")).toEqual({ filter: { _id: { $eq: "u1" } }, update: { $set: { phone: "h2", phoneEncrypted: "c2" } } });
  });

  it("asks whether a user holds a phone hash by $eq on the unique index, projecting only the id", () => {
    expect(phoneHeldQuery("h1")).toEqual({ filter: { phone: { $eq: "h1" } }, projection: { _id: 1 } });
  });

  it("reads E11000 as the number in use (a race two users cannot both win), no match as a gone user, and rethrows anything else", () => {
    expect(changePhoneOutcome({ matchedCount: 1 })).toBe("changed");
    expect(changePhoneOutcome({ matchedCount: 0 })).toBe("gone");
    expect(changePhoneOutcome({ error: Object.assign(new Error("E11000 duplicate key error"), { code: 11000 }) })).toBe("in_use");
    const other = Object.assign(new Error("not primary"), { code: 10107 });
    expect(() => changePhoneOutcome({ error: other })).toThrow(other);
  });
});
