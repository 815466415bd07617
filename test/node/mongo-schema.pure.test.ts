/** Pure MongoDB schema checks: unit tests that need no server. */
import { describe, expect, it } from "vitest";
import { missingUserIndexes } from "../../src/adapters/mongo/schema";

describe("missingUserIndexes (pure, no server)", () => {
  it("is ready only with a unique single-key index on users.phone", () => {
    const id = { name: "_id_", key: { _id: 1 } };
    expect(missingUserIndexes([id, { name: "phone_unique", key: { phone: 1 }, unique: true }])).toEqual([]);
    // Any name will do, the spec is what counts.
    expect(missingUserIndexes([id, { name: "other", key: { phone: 1 }, unique: true }])).toEqual([]);
    expect(missingUserIndexes([id])).toHaveLength(1);
    expect(missingUserIndexes([])).toHaveLength(1);
    // Not unique, or compound: a race could still create two users for one phone.
    expect(missingUserIndexes([id, { name: "phone_1", key: { phone: 1 } }])).toHaveLength(1);
    expect(missingUserIndexes([id, { name: "c", key: { phone: 1, createdAt: 1 }, unique: true }])).toHaveLength(1);
    expect(missingUserIndexes([id, { name: "d", key: { phone: -1 }, unique: false }])).toHaveLength(1);
  });
});
