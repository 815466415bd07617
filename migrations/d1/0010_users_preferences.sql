-- A user's preferences (issue 11, PATCH /user): JSON of src/domain/preferences.ts
-- ({ locale, marketingConsent, marketingConsentChangedAt, displayName, version });
-- NULL until first set (the defaults).
ALTER TABLE users ADD COLUMN preferences TEXT;
