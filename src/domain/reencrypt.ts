import { decryptPhone, encryptPhone, type SecretKeys } from "../lib/keys";
import type { UserStore } from "./ports";

/**
 * Moves stored phone ciphertexts to the current key of PHONE_DATA_KEYS
 * (issue 11, DATA-01), in batches, so an old key can be retired. Each move
 * is a compare-and-set: a phone change that wrote a fresh ciphertext
 * meanwhile is kept. A ciphertext no configured key opens is counted as
 * failed and left alone (its key must be put back in the keyring).
 */

export interface ReencryptResult {
  moved: number;
  /** Changed by someone else between read and write (already current, or a new number). */
  skipped: number;
  /** Under a key id no longer configured, or not authentic: left as they are. */
  failed: number;
  /** More batches may be left: call again. */
  remaining: boolean;
}

export async function reencryptPhones(deps: { users: UserStore; keys: SecretKeys }, batchSize: number, maxBatches: number): Promise<ReencryptResult> {
  const current = deps.keys.phoneKeys.current.id;
  const result: ReencryptResult = { moved: 0, skipped: 0, failed: 0, remaining: false };
  const unreadable = new Set<string>();
  for (let batch = 0; batch < maxBatches; batch++) {
    // Failed rows are returned again by every read: ask for enough to see past them.
    const stale = (await deps.users.staleCiphertexts(current, batchSize + unreadable.size)).filter((s) => !unreadable.has(s.id));
    if (stale.length === 0) return result;
    for (const { id, ciphertext } of stale) {
      let phone: string;
      try {
        phone = await decryptPhone(deps.keys, ciphertext);
      } catch {
        unreadable.add(id);
        result.failed++;
        continue;
      }
      if (await deps.users.replaceCiphertext(id, ciphertext, await encryptPhone(deps.keys, phone))) result.moved++;
      else result.skipped++;
    }
  }
  result.remaining = true;
  return result;
}
