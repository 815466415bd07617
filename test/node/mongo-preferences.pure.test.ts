/** MongoDB preferences queries, pure: the filters and updates the adapter sends, checked without a server. */
import { describe, expect, it } from "vitest";
import { putPreferencesQuery, readPreferencesQuery, toPreferences } from "../../src/adapters/mongo/preferences-queries";
import { DEFAULT_PREFERENCES } from "../../src/domain/preferences";
import { usersSchema } from "../../migrations/mongo/0006_users_preferences.mjs";

const prefs = { locale: "en-GB", marketingConsent: true, marketingConsentChangedAt: 1_700_000_000_000, displayName: "Asha", version: 3 };

describe("MongoDB preferences queries (pure)", () => {
  it("reads only the preferences of the one user, by $eq", () => {
    expect(readPreferencesQuery("u1")).toEqual({ filter: { _id: { $eq: "u1" } }, projection: { preferences: 1 } });
  });

  it("maps a document to preferences: no user → null, never set → defaults, dates → ms", () => {
    expect(toPreferences(null)).toBeNull();
    expect(toPreferences({ _id: "u1" })).toEqual(DEFAULT_PREFERENCES);
    expect(toPreferences({ _id: "u1", preferences: { ...prefs, marketingConsentChangedAt: new Date(prefs.marketingConsentChangedAt) } })).toEqual(prefs);
  });

  it("writes compare-and-set on the version (0 also matches preferences never written), consent time as a BSON date", () => {
    const first = putPreferencesQuery("u1", { ...prefs, version: 1 }, 0);
    expect(first.filter).toEqual({ _id: { $eq: "u1" }, $or: [{ preferences: { $exists: false } }, { "preferences.version": { $eq: 0 } }] });
    const later = putPreferencesQuery("u1", { ...prefs, version: 4 }, 3);
    expect(later.filter).toEqual({ _id: { $eq: "u1" }, "preferences.version": { $eq: 3 } });
    expect(later.update.$set.preferences.marketingConsentChangedAt).toEqual(new Date(prefs.marketingConsentChangedAt));
    expect(putPreferencesQuery("u1", { ...prefs, marketingConsentChangedAt: null }, 3).update.$set.preferences.marketingConsentChangedAt).toBeNull();
  });

  it("the validator (migration 0006) admits exactly the fields the adapter writes", () => {
    const schema = (usersSchema as { properties: { preferences: { required: string[]; properties: Record<string, unknown> } } }).properties.preferences;
    const written = Object.keys(putPreferencesQuery("u1", prefs, 2).update.$set.preferences).sort();
    expect([...schema.required].sort()).toEqual(written);
    expect(Object.keys(schema.properties).sort()).toEqual(written);
  });
});
