import { DEFAULT_PREFERENCES, type Preferences } from "../../domain/preferences";

/**
 * The MongoDB shapes of a user's preferences (`users.preferences`,
 * validator migration 0006), as pure functions tested without a server
 * (test/node/mongo-preferences.pure.test.ts).
 */

export interface PreferencesDocument {
  locale: string | null;
  marketingConsent: boolean;
  /** A BSON date: when the consent last changed. */
  marketingConsentChangedAt: Date | null;
  displayName: string | null;
  version: number;
}

export interface PreferencesHolder {
  _id: string;
  preferences?: PreferencesDocument;
}

export function readPreferencesQuery(id: string): { filter: { _id: { $eq: string } }; projection: { preferences: 1 } } {
  return { filter: { _id: { $eq: id } }, projection: { preferences: 1 } };
}

/** A document read with readPreferencesQuery → preferences; null when there is no such user. */
export function toPreferences(doc: PreferencesHolder | null): Preferences | null {
  if (!doc) return null;
  const p = doc.preferences;
  if (!p) return DEFAULT_PREFERENCES;
  return { ...p, marketingConsentChangedAt: p.marketingConsentChangedAt ? p.marketingConsentChangedAt.getTime() : null };
}

/**
 * Compare-and-set on the version: the filter matches only while the stored
 * version is `expectedVersion` (0 also matches preferences never written),
 * so of two concurrent patches one lands and the other re-reads.
 */
export function putPreferencesQuery(
  id: string,
  next: Preferences,
  expectedVersion: number,
): { filter: Record<string, unknown>; update: { $set: { preferences: PreferencesDocument } } } {
  const versionMatch = expectedVersion === 0 ? { $or: [{ preferences: { $exists: false } }, { "preferences.version": { $eq: 0 } }] } : { "preferences.version": { $eq: expectedVersion } };
  const doc: PreferencesDocument = { ...next, marketingConsentChangedAt: next.marketingConsentChangedAt === null ? null : new Date(next.marketingConsentChangedAt) };
  return { filter: { _id: { $eq: id }, ...versionMatch }, update: { $set: { preferences: doc } } };
}
