// JSON-schema validator for `users`. Idempotent: creates the collection with
// the validator, or replaces the validator with collMod if it exists.
export const description = "users: JSON-schema validator";

export const usersSchema = {
  bsonType: "object",
  required: ["_id", "phone", "phoneEncrypted", "createdAt", "authMethods", "devices"],
  additionalProperties: false,
  properties: {
    _id: { bsonType: "string", minLength: 16, maxLength: 64 },
    phone: { bsonType: "string", pattern: "^[0-9a-f]{64}$", description: "keyed HMAC of the E.164 number, never the number" },
    phoneEncrypted: { bsonType: "string", minLength: 16 },
    createdAt: { bsonType: "date" },
    lastLogin: { bsonType: ["date", "null"] },
    authMethods: {
      bsonType: "object",
      additionalProperties: false,
      properties: {
        pin: { bsonType: ["object", "null"] },
        biometric: { bsonType: ["object", "null"] },
        publicKey: { bsonType: ["array", "null"] },
      },
    },
    devices: {
      bsonType: "array",
      items: {
        bsonType: "object",
        required: ["fingerprint", "lastUsed"],
        properties: { fingerprint: { bsonType: "string" }, lastUsed: { bsonType: "date" } },
      },
    },
  },
};

export async function up(db) {
  const exists = (await db.listCollections({ name: "users" }, { nameOnly: true }).toArray()).length > 0;
  const validator = { $jsonSchema: usersSchema };
  if (exists) {
    await db.command({ collMod: "users", validator, validationLevel: "strict", validationAction: "error" });
  } else {
    await db.createCollection("users", { validator, validationLevel: "strict", validationAction: "error" });
  }
}
