// PIN unlock in `users`: the validator's `authMethods.pin` (0002 admits any
// object or null) now admits only the KDF record of src/lib/pin-hash.ts, its
// flag and wrong-PIN count (src/adapters/mongo/pin-queries.ts), or null.
// Idempotent: collMod replaces the validator.
import { usersSchema as previous } from "./0003_users_credentials.mjs";

export const description = "users: validator for authMethods.pin (PIN record and wrong-PIN count)";

/** authMethods.pin when set (PinDocument in src/adapters/mongo/pin-queries.ts). */
export const pinSchema = {
  bsonType: "object",
  required: ["enabled", "alg", "iterations", "salt", "hash", "pepperVersion", "failedAttempts", "updatedAt"],
  additionalProperties: false,
  properties: {
    enabled: { enum: [true] },
    alg: { enum: ["pbkdf2-sha256"] },
    // Cloudflare's runtime refuses PBKDF2 above 100,000 iterations.
    iterations: { bsonType: ["int", "long", "double"], minimum: 1, maximum: 100000 },
    salt: { bsonType: "string", minLength: 16 },
    hash: { bsonType: "string", minLength: 32, description: "PBKDF2 output, never the PIN; never returned to clients" },
    pepperVersion: { bsonType: ["int", "long", "double"], minimum: 1 },
    failedAttempts: { bsonType: ["int", "long", "double"], minimum: 0 },
    updatedAt: { bsonType: "date" },
  },
};

export const usersSchema = {
  ...previous,
  properties: {
    ...previous.properties,
    authMethods: {
      ...previous.properties.authMethods,
      properties: {
        ...previous.properties.authMethods.properties,
        pin: { oneOf: [{ bsonType: "null" }, pinSchema] },
      },
    },
  },
};

export async function up(db) {
  await db.command({ collMod: "users", validator: { $jsonSchema: usersSchema }, validationLevel: "strict", validationAction: "error" });
}
