// Unique blind-index lookup for users, plus device lookups. Idempotent:
// createIndex with the same name and spec is a no-op.
export const description = "users: unique phone hash index, device fingerprint index";

export async function up(db) {
  const users = db.collection("users");
  await users.createIndex({ phone: 1 }, { name: "phone_unique", unique: true });
  await users.createIndex({ "devices.fingerprint": 1 }, { name: "devices_fingerprint", sparse: true });
}
