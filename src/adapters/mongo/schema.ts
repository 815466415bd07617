/**
 * Pure schema checks for the MongoDB user store (no driver, unit-tested
 * without a server). Readiness asks the server for the `users` indexes and
 * these functions decide whether a sign-in can run safely on them.
 */

/** The part of a `listIndexes` entry the checks read. */
export interface IndexInfo {
  name?: string;
  key: Record<string, unknown>;
  unique?: boolean;
}

/**
 * Names what the `users` collection lacks for a sign-in, or [] when ready.
 * Without the unique index on the blind index, two concurrent first sign-ins
 * would create two users for one phone (the E11000 retry relies on it).
 */
export function missingUserIndexes(indexes: readonly IndexInfo[]): string[] {
  const phoneUnique = indexes.some(
    (i) => i.unique === true && Object.keys(i.key).length === 1 && i.key.phone === 1,
  );
  return phoneUnique ? [] : ["unique index on users.phone (run `npm run migrate`)"];
}
