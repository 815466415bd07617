// The country of each user's last sign-in (`lastCountry`, for the sign-in
// risk assessment): the validator (0004's, additionalProperties false) admits
// it as a two-letter code or null. Idempotent: collMod replaces the validator.
import { usersSchema as previous } from "./0004_users_pin.mjs";

export const description = "users: validator admits lastCountry (risk assessment)";

export const usersSchema = {
  ...previous,
  properties: {
    ...previous.properties,
    lastCountry: { bsonType: ["string", "null"], pattern: "^[A-Z][A-Z0-9]$", description: "cf.country of the last sign-in" },
  },
};

export async function up(db) {
  await db.command({ collMod: "users", validator: { $jsonSchema: usersSchema }, validationLevel: "strict", validationAction: "error" });
}
