/** src/lib/crypto.ts against published test vectors (Node, so StrykerJS can mutate it). */
import { afterEach, expect, it, vi } from "vitest";
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  constantTimeEqual,
  fromBase64url,
  hkdf,
  hmacSha256,
  importAesKey,
  importHmacKey,
  randomBytes,
  randomId,
  sha256,
  toBase64url,
  toHex,
  utf8,
} from "../../../src/lib/crypto";

afterEach(() => {
  vi.restoreAllMocks();
});

const hex = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));

it("OTP-12: equal digests are equal; any difference, in any position or length, is not", async () => {
  const a = await sha256("a");
  const text = toBase64url(a);
  expect(constantTimeEqual(a, a.slice())).toBe(true);
  expect(constantTimeEqual(text, `${text}`)).toBe(true);
  for (let i = 0; i < a.length; i++) {
    const b = a.slice();
    b[i] = b[i]! ^ 1;
    expect(constantTimeEqual(a, b)).toBe(false);
  }
  for (const n of [1, 16, 31]) {
    expect(constantTimeEqual(a, a.slice(0, n))).toBe(false);
    expect(constantTimeEqual(a.slice(0, n), a)).toBe(false);
    expect(constantTimeEqual(text, text.slice(0, n))).toBe(false);
    expect(constantTimeEqual(text.slice(0, n), text)).toBe(false);
  }
  const longer = new Uint8Array(33);
  longer.set(a);
  expect(constantTimeEqual(a, longer)).toBe(false);
  expect(constantTimeEqual(longer, a)).toBe(false);
});

it("OTP-12: empty and non-byte inputs compare unequal and never throw", () => {
  expect(constantTimeEqual("", "")).toBe(false);
  expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(false);
  expect(constantTimeEqual("a", "a")).toBe(true);
  for (const odd of [null, undefined, 0, 1, {}, [], [1], true, Symbol("s"), () => 1, new ArrayBuffer(1), new Uint16Array(1)]) {
    expect(() => constantTimeEqual(odd, odd)).not.toThrow();
    expect(constantTimeEqual(odd, odd)).toBe(false);
    expect(constantTimeEqual("a", odd)).toBe(false);
    expect(constantTimeEqual(odd, "a")).toBe(false);
  }
  // A string and its UTF-8 bytes are the same digest.
  expect(constantTimeEqual("é", new Uint8Array([0xc3, 0xa9]))).toBe(true);
});

it("SES-05: random bytes and ids come from crypto.getRandomValues; ids are 128 bits", () => {
  const spy = vi.spyOn(crypto, "getRandomValues");
  const bytes = randomBytes(24);
  expect(bytes).toHaveLength(24);
  expect(spy).toHaveBeenCalledWith(bytes);
  const id = randomId();
  expect(fromBase64url(id)).toHaveLength(16);
  expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(fromBase64url(randomId(32))).toHaveLength(32);
  spy.mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    (array as unknown as Uint8Array).fill(7);
    return array;
  });
  expect(randomBytes(3)).toEqual(new Uint8Array([7, 7, 7]));
  expect(randomId(3)).toBe(toBase64url(new Uint8Array([7, 7, 7])));
});

it("hex, base64url and UTF-8", () => {
  expect(toHex(new Uint8Array([0, 1, 15, 16, 255]))).toBe("00010f10ff");
  expect(toBase64url(new Uint8Array([251, 255, 191]))).toBe("-_-_");
  expect(fromBase64url("-_-_")).toEqual(new Uint8Array([251, 255, 191]));
  expect(Array.from(utf8("aé"))).toEqual([0x61, 0xc3, 0xa9]);
});

it("SHA-256 (FIPS 180-2 'abc'), HMAC-SHA-256 (RFC 4231 case 2), HKDF-SHA-256 (RFC 5869 case 3)", async () => {
  expect(toHex(await sha256("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect(toHex(await sha256(utf8("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const jefe = await importHmacKey(utf8("Jefe"));
  expect(toHex(await hmacSha256(jefe, "what do ya want for nothing?"))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const ikm = new Uint8Array(22).fill(0x0b);
  expect(toHex(await hkdf(ikm, "", 42))).toBe("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  // Default length 32, and the info string separates keys.
  expect(await hkdf(ikm, "a")).toHaveLength(32);
  expect(toHex(await hkdf(ikm, "a"))).not.toBe(toHex(await hkdf(ikm, "b")));
});

it("OTP-02/DATA-01: the HMAC and AES keys made from the secrets cannot be exported", async () => {
  const raw = new Uint8Array(32).fill(9);
  for (const key of [await importHmacKey(raw), await importAesKey(raw)]) {
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("raw", key)).rejects.toThrow();
  }
});

it("DATA-01: AES-256-GCM seals with a fresh 96-bit nonce, opens with the key only, and refuses tampering", async () => {
  const key = await importAesKey(hex("00".repeat(31) + "01"));
  const sealed = await aesGcmEncrypt(key, "+919876543210");
  expect(sealed).toHaveLength(12 + 13 + 16);
  expect(new TextDecoder().decode(sealed)).not.toContain("9876543210");
  expect(await aesGcmDecrypt(key, sealed)).toBe("+919876543210");
  const again = await aesGcmEncrypt(key, "+919876543210");
  expect(toHex(again.slice(0, 12))).not.toBe(toHex(sealed.slice(0, 12)));
  const tampered = sealed.slice();
  tampered[20] = tampered[20]! ^ 1;
  await expect(aesGcmDecrypt(key, tampered)).rejects.toThrow();
  const other = await importAesKey(hex("00".repeat(31) + "02"));
  await expect(aesGcmDecrypt(other, sealed)).rejects.toThrow();
  // The nonce is the first 12 bytes: decrypting with it read from elsewhere fails.
  const shifted = new Uint8Array([0, ...sealed]);
  await expect(aesGcmDecrypt(key, shifted)).rejects.toThrow();
});
