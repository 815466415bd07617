// Biometric credentials in `users`: a unique index on the credential ids
// (BIO-03 across users), a unique index on the WebAuthn user handle, and the
// validator extended with `authMethods.credentials` and
// `authMethods.webauthnUserHandle` (0002's refuses any other authMethods
// field). Idempotent: createIndex with the same name and spec is a no-op and
// collMod replaces the validator.
import { usersSchema as previous } from "./0002_users_validator.mjs";

export const description = "users: credential id and WebAuthn user handle unique indexes, validator for both";

// Partial, not plain: a unique index indexes a missing field as null, so a
// plain one would refuse a second user without credentials (or handle).
export const indexes = [
  {
    key: { "authMethods.credentials.id": 1 },
    options: {
      name: "credential_id_unique",
      unique: true,
      partialFilterExpression: { "authMethods.credentials.id": { $exists: true } },
    },
  },
  {
    key: { "authMethods.webauthnUserHandle": 1 },
    options: {
      name: "webauthn_user_handle_unique",
      unique: true,
      partialFilterExpression: { "authMethods.webauthnUserHandle": { $exists: true } },
    },
  },
];

const nullable = (bsonType) => ({ bsonType: [bsonType, "null"] });

/** One element of authMethods.credentials (src/adapters/mongo/credential-documents.ts). */
export const credentialSchema = {
  bsonType: "object",
  required: [
    "id", "kind", "publicKey", "algorithm", "counter", "transports", "backupEligible",
    "backedUp", "aaguid", "userHandle", "deviceId", "platform", "name", "createdAt", "lastUsedAt",
  ],
  additionalProperties: false,
  properties: {
    id: { bsonType: "string", minLength: 1 },
    kind: { enum: ["passkey", "device_key"] },
    publicKey: { bsonType: "string", minLength: 1, description: "public key only; never returned to clients" },
    algorithm: { enum: ["ES256", "RS256", null] },
    counter: { bsonType: ["int", "long", "double"], minimum: 0 },
    transports: { bsonType: "array", items: { bsonType: "string" } },
    backupEligible: { bsonType: "bool" },
    backedUp: { bsonType: "bool" },
    aaguid: nullable("string"),
    userHandle: nullable("string"),
    deviceId: nullable("string"),
    platform: { enum: ["ios", "android", "web", null] },
    name: { bsonType: "string" },
    createdAt: { bsonType: "date" },
    lastUsedAt: nullable("date"),
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
        credentials: { bsonType: "array", items: credentialSchema },
        webauthnUserHandle: { bsonType: "string", minLength: 1 },
      },
    },
  },
};

export async function up(db) {
  const users = db.collection("users");
  // Indexes first: the validator admits credentials only once their ids are unique.
  for (const { key, options } of indexes) await users.createIndex(key, options);
  await db.command({ collMod: "users", validator: { $jsonSchema: usersSchema }, validationLevel: "strict", validationAction: "error" });
}
