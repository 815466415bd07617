import { describe, expect, it } from "vitest";
import { reencryptPhones } from "../../../src/domain/reencrypt";
import { toBase64url } from "../../../src/lib/crypto";
import { ciphertextKeyId, decryptPhone, encryptPhone, secretKeys } from "../../../src/lib/keys";
import { MemoryUserStore } from "./memory-deps";

const secret = (): string => toBase64url(crypto.getRandomValues(new Uint8Array(32)));

describe("re-encryption to the current key (pure, in memory)", () => {
  it("DATA-01: moves every number in batches, says when some are left, and leaves those under an unknown key alone", async () => {
    const base = { otpPepper: secret(), phoneDataKey: secret(), pinPepper: secret(), phoneIndexKey: null };
    const [k1, k2, gone] = [secret(), secret(), secret()];
    const oldKeys = await secretKeys({ ...base, phoneDataKeys: [{ id: "k1", secret: k1 }] });
    const lostKeys = await secretKeys({ ...base, phoneDataKeys: [{ id: "lost", secret: gone }] });
    const newKeys = await secretKeys({ ...base, phoneDataKeys: [{ id: "k2", secret: k2 }, { id: "k1", secret: k1 }] });
    const users = new MemoryUserStore();
    const phones = ["+919876543210", "+919876543211", "+919876543212", "+919876543213", "+919876543214"];
    for (const [i, p] of phones.entries()) await users.findOrCreateByPhone(`h${i}`, await encryptPhone(oldKeys, p), 0);
    await users.findOrCreateByPhone("hx", await encryptPhone(lostKeys, "+919876543219"), 0);

    const first = await reencryptPhones({ users, keys: newKeys }, 2, 1);
    expect(first).toEqual({ moved: 2, skipped: 0, failed: 0, remaining: true });
    const rest = await reencryptPhones({ users, keys: newKeys }, 2, 10);
    expect(rest).toEqual({ moved: 3, skipped: 0, failed: 1, remaining: false });
    for (const [id, ciphertext] of users.phones) {
      if (ciphertextKeyId(ciphertext) === "lost") continue;
      expect(ciphertextKeyId(ciphertext)).toBe("k2");
      expect(phones).toContain(await decryptPhone(newKeys, ciphertext));
      expect(id).toBeTruthy();
    }
    expect([...users.phones.values()].filter((c) => ciphertextKeyId(c) === "lost")).toHaveLength(1);
    // Nothing left: a run does nothing.
    expect(await reencryptPhones({ users, keys: newKeys }, 2, 10)).toEqual({ moved: 0, skipped: 0, failed: 1, remaining: false });
  });

  it("DATA-01: a number changed between the read and the write is kept (compare-and-set), counted as skipped", async () => {
    const base = { otpPepper: secret(), phoneDataKey: secret(), pinPepper: secret(), phoneIndexKey: null };
    const k1 = secret();
    const oldKeys = await secretKeys({ ...base, phoneDataKeys: [{ id: "k1", secret: k1 }] });
    const newKeys = await secretKeys({ ...base, phoneDataKeys: [{ id: "k2", secret: secret() }, { id: "k1", secret: k1 }] });
    const users = new MemoryUserStore();
    const { user } = await users.findOrCreateByPhone("h", await encryptPhone(oldKeys, "+919876543210"), 0);
    // A phone change lands while the batch runs.
    const racing = Object.assign(Object.create(users) as MemoryUserStore, {
      replaceCiphertext: async (id: string, expected: string, next: string): Promise<boolean> => {
        users.phones.set(id, await encryptPhone(newKeys, "+919800000000"));
        return users.replaceCiphertext(id, expected, next);
      },
    });
    expect(await reencryptPhones({ users: racing, keys: newKeys }, 10, 1)).toEqual({ moved: 0, skipped: 1, failed: 0, remaining: true });
    expect(await decryptPhone(newKeys, users.phones.get(user.id)!)).toBe("+919800000000");
  });
});
