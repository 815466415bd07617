// A user's preferences (issue 11, PATCH /user): the validator (0005's,
// additionalProperties false) admits `preferences` with exactly these
// fields and types. Idempotent: collMod replaces the validator.
import { usersSchema as previous } from "./0005_users_last_country.mjs";

export const description = "users: validator admits preferences (locale, marketing consent, display name)";

export const usersSchema = {
  ...previous,
  properties: {
    ...previous.properties,
    preferences: {
      bsonType: "object",
      additionalProperties: false,
      required: ["locale", "marketingConsent", "marketingConsentChangedAt", "displayName", "version"],
      properties: {
        locale: { bsonType: ["string", "null"], maxLength: 35 },
        marketingConsent: { bsonType: "bool" },
        marketingConsentChangedAt: { bsonType: ["date", "null"] },
        displayName: { bsonType: ["string", "null"], maxLength: 64 },
        version: { bsonType: ["int", "long"], minimum: 0 },
      },
    },
  },
};

export async function up(db) {
  await db.command({ collMod: "users", validator: { $jsonSchema: usersSchema }, validationLevel: "strict", validationAction: "error" });
}
