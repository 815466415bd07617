/**
 * The MongoDB shapes of a phone change (issue 11), as pure functions tested
 * without a server (test/node/mongo-phone.pure.test.ts).
 */

const DUPLICATE_KEY = 11000;

/** Replaces the blind index (`phone`, unique) and the ciphertext of one user in one update. */
export function changePhoneQuery(id: string, phoneHash: string, phoneCiphertext: string): { filter: { _id: { $eq: string } }; update: { $set: { phone: string; phoneEncrypted: string } } } {
  return { filter: { _id: { $eq: id } }, update: { $set: { phone: phoneHash, phoneEncrypted: phoneCiphertext } } };
}

/**
 * What the update's result or error means. E11000 on the unique `phone`
 * index: another user holds the number; the index decides a race between
 * two users claiming it, so it is an answer, not a failure to retry.
 */
export function changePhoneOutcome(result: { matchedCount: number } | { error: unknown }): "changed" | "in_use" | "gone" {
  if ("error" in result) {
    const err = result.error;
    if (typeof err === "object" && err !== null && "code" in err && (err as { code: unknown }).code === DUPLICATE_KEY) return "in_use";
    throw err;
  }
  return result.matchedCount === 1 ? "changed" : "gone";
}

/** Users whose ciphertext is not under the current key (re-encryption), with only the ciphertext projected. */
export function staleCiphertextsQuery(currentKeyId: string): { filter: { phoneEncrypted: { $not: { $regex: string } } }; projection: { phoneEncrypted: 1 } } {
  if (!/^[a-z0-9]{1,16}$/.test(currentKeyId)) throw new Error("invalid key id");
  return { filter: { phoneEncrypted: { $not: { $regex: `^v1\\.${currentKeyId}\\.` } } }, projection: { phoneEncrypted: 1 } };
}

/** Compare-and-set of the ciphertext: a phone change that wrote a new one meanwhile is kept. */
export function replaceCiphertextQuery(id: string, expected: string, next: string): { filter: { _id: { $eq: string }; phoneEncrypted: { $eq: string } }; update: { $set: { phoneEncrypted: string } } } {
  return { filter: { _id: { $eq: id }, phoneEncrypted: { $eq: expected } }, update: { $set: { phoneEncrypted: next } } };
}

/** The user holding a phone hash, if any (only its id projected). */
export function phoneHeldQuery(phoneHash: string): { filter: { phone: { $eq: string } }; projection: { _id: 1 } } {
  return { filter: { phone: { $eq: phoneHash } }, projection: { _id: 1 } };
}
