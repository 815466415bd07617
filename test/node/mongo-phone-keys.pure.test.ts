/** MongoDB re-encryption queries, pure: the stale-ciphertext filter and the compare-and-set, without a server. */
import { describe, expect, it } from "vitest";
import { replaceCiphertextQuery, staleCiphertextsQuery } from "../../src/adapters/mongo/phone-queries";

describe("MongoDB re-encryption queries (pure)", () => {
  it("finds ciphertexts not under the current key id by an anchored regex, projecting only the ciphertext", () => {
    const q = staleCiphertextsQuery("k2");
    expect(q).toEqual({ filter: { phoneEncrypted: { $not: { $regex: "^v1\\.k2\\." } } }, projection: { phoneEncrypted: 1 } });
    const re = new RegExp(q.filter.phoneEncrypted.$not.$regex);
    expect(re.test("v1.k2.AAAA")).toBe(true);
    expect(re.test("v1.k22.AAAA")).toBe(false);
    expect(re.test("v1xk2.AAAA")).toBe(false);
    expect(re.test("bare-legacy-base64url")).toBe(false);
    expect(() => staleCiphertextsQuery("k2.*")).toThrow();
  });

  it("replaces a ciphertext only while it is the one read (compare-and-set), by $eq", () => {
    expect(replaceCiphertextQuery("u1", "old", "new")).toEqual({ filter: { _id: { $eq: "u1" }, phoneEncrypted: { $eq: "old" } }, update: { $set: { phoneEncrypted: "new" } } });
  });
});
