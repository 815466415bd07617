import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ciphertextKeyId, decryptPhone, encryptPhone, LEGACY_KEY_ID } from "../../src/lib/keys";
import { advanceClock, call, expectError, latestCode, PROFILES, services, testEnv, uniqueIp, uniquePhone, useProfile } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

const ADMIN_TOKEN = "admin-token-for-tests-0123456789abcdef";
const K1 = "k1:" + "A".repeat(42) + "E";
const K2 = "k2:" + "B".repeat(42) + "E";

/** Signs `phone` in under `settings` and returns the user id. */
async function signUp(phone: string, settings: Record<string, string>): Promise<string> {
  expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings })).status).toBe(200);
  const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip: uniqueIp(), settings });
  expect(res.status).toBe(200);
  return ((await res.json()) as { user: { id: string } }).user.id;
}

async function tokenFor(phone: string, settings: Record<string, string>): Promise<string> {
  expect((await call("/auth/request-otp", { body: { phone }, ip: uniqueIp(), settings })).status).toBe(200);
  const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip: uniqueIp(), settings });
  return ((await res.json()) as { token: string }).token;
}

async function storedCiphertext(userId: string, settings: Record<string, string>): Promise<string> {
  return (await (await services({}, settings)).users.phoneCiphertext(userId))!;
}

describe("phone keyring (DATA-01)", () => {
  it("DATA-01: new ciphertexts carry the current key's id; every configured key and legacy values still decrypt; an unknown id or a swapped id is refused", async () => {
    const before = await services({}, {});
    const legacy = await encryptPhone(before.keys, "+919876543210");
    expect(ciphertextKeyId(legacy)).toBe(LEGACY_KEY_ID);
    const ring = await services({}, { PHONE_DATA_KEYS: `${K2},${K1}` });
    const sealed = await encryptPhone(ring.keys, "+919876543210");
    expect(sealed).toMatch(/^v1\.k2\.[A-Za-z0-9_-]+$/);
    expect(await decryptPhone(ring.keys, sealed)).toBe("+919876543210");
    expect(await decryptPhone(ring.keys, legacy)).toBe("+919876543210");
    // A value from before key ids (bare base64url, PHONE_DATA_KEY's key, no AAD).
    const { aesGcmEncrypt, toBase64url } = await import("../../src/lib/crypto");
    const bare = toBase64url(await aesGcmEncrypt(ring.keys.phoneKeys.byId.get(LEGACY_KEY_ID)!, "+919876543210"));
    expect(await decryptPhone(ring.keys, bare)).toBe("+919876543210");
    // k1 dropped from the ring: its values no longer open, with a clear error.
    const older = await encryptPhone((await services({}, { PHONE_DATA_KEYS: K1 })).keys, "+919876543210");
    await expect(decryptPhone((await services({}, { PHONE_DATA_KEYS: K2 })).keys, older)).rejects.toThrow(/unknown key id "k1"/);
    // The key id is authenticated: relabelling a k1 value as k2 does not open.
    await expect(decryptPhone(ring.keys, older.replace("v1.k1.", "v1.k2."))).rejects.toThrow();
    // Even under the same key material the id is bound to the value (AES-GCM additional data).
    const twins = (await services({}, { PHONE_DATA_KEYS: `k2:${K1.slice(3)},${K1}` })).keys;
    const underK2 = await encryptPhone(twins, "+919876543210");
    expect(await decryptPhone(twins, underK2)).toBe("+919876543210");
    await expect(decryptPhone(twins, underK2.replace("v1.k2.", "v1.k1."))).rejects.toThrow();
    // The blind index does not depend on the keyring.
    const { phoneHash } = await import("../../src/lib/keys");
    expect(await phoneHash(ring.keys, "+919876543210")).toBe(await phoneHash(before.keys, "+919876543210"));
  });

  it("DATA-01: PHONE_DATA_KEYS and PHONE_INDEX_KEY are validated with clear messages", async () => {
    const { parseConfig } = await import("../../src/config");
    const problems = (settings: Record<string, string>): string => {
      const r = parseConfig({ ...testEnv, ...settings });
      return r.ok ? "" : r.problems.join("; ");
    };
    expect(problems({ PHONE_DATA_KEYS: "k1:short" })).toContain("PHONE_DATA_KEYS");
    expect(problems({ PHONE_DATA_KEYS: `${K1},${K1}` })).toContain("must not repeat a key id");
    expect(problems({ PHONE_DATA_KEYS: "pdk:" + "C".repeat(43) })).toContain("pdk");
    expect(problems({ PHONE_DATA_KEYS: "K1:" + "C".repeat(43) })).toContain("PHONE_DATA_KEYS");
    expect(problems({ PHONE_INDEX_KEY: "nope" })).toContain("PHONE_INDEX_KEY");
    expect(problems({ PHONE_DATA_KEYS: `${K2},${K1}`, PHONE_INDEX_KEY: "D".repeat(43) })).toBe("");
    expect(problems({ ADMIN_TOKEN: "short" })).toContain("ADMIN_TOKEN");
  });
});

describe.each(PROFILES)("re-encryption to the current key ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("DATA-01: after a key rotation, POST /admin/reencrypt-phones moves every number to the new key; sign-in still finds the same users", async () => {
    const old = { PHONE_DATA_KEYS: K1 };
    const rotated = { PHONE_DATA_KEYS: `${K2},${K1}`, ADMIN_TOKEN };
    const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
    const ids: string[] = [];
    for (const p of phones) ids.push(await signUp(p, old));
    for (const id of ids) expect(ciphertextKeyId(await storedCiphertext(id, old))).toBe("k1");
    // Run until done: other suites' users are moved too (one database), so loop on `remaining`.
    for (let i = 0; i < 100; i++) {
      const res = await call("/admin/reencrypt-phones", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, settings: rotated });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { keyId: string; moved: number; remaining: boolean };
      expect(body.keyId).toBe("k2");
      if (!body.remaining) break;
    }
    const deps = await services({}, rotated);
    for (const [i, id] of ids.entries()) {
      const ciphertext = await storedCiphertext(id, rotated);
      expect(ciphertextKeyId(ciphertext)).toBe("k2");
      expect(await decryptPhone(deps.keys, ciphertext)).toBe(phones[i]);
    }
    // With k1 retired, the numbers still open and sign-in finds the same users.
    const retired = { PHONE_DATA_KEYS: K2 };
    advanceClock(61_000);
    expect(await signUp(phones[0]!, retired)).toBe(ids[0]);
    const token = await tokenFor(phones[1]!, retired);
    const account = (await (await call("/user", { token, settings: retired })).json()) as { id: string; phone: string };
    expect(account).toMatchObject({ id: ids[1], phone: expect.stringContaining(phones[1]!.slice(-4)) as string });
    // A keyring that lost k2 (the key the numbers are under now) is a misconfiguration: 503, never a 500;
    // so is k2 given another secret (the value no longer authenticates).
    await expectError(await call("/user", { token, settings: { PHONE_DATA_KEYS: K1 } }), 503, "service_misconfigured");
    await expectError(await call("/user", { token, settings: { PHONE_DATA_KEYS: "k2:" + "Z".repeat(42) + "E" } }), 503, "service_misconfigured");
  });

  it("DATA-01: the maintenance route needs ADMIN_TOKEN: 404 when unset, 401 for a wrong or missing token", async () => {
    await expectError(await call("/admin/reencrypt-phones", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, "not_found");
    const settings = { ADMIN_TOKEN };
    await expectError(await call("/admin/reencrypt-phones", { method: "POST", settings }), 401, "unauthorized");
    await expectError(await call("/admin/reencrypt-phones", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}x` }, settings }), 401, "unauthorized");
    await expectError(await call("/admin/reencrypt-phones", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }, settings }), 401, "unauthorized");
  });
});
