/** src/domain/otp.ts on its own (Node, so StrykerJS can mutate it). */
import { afterEach, expect, it, vi } from "vitest";
import { generateOtp, OTP_DIGITS, otpDigest } from "../../../src/domain/otp";
import { importHmacKey, toBase64url, utf8 } from "../../../src/lib/crypto";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A generator source that hands out `draws` in order and records each buffer it was given. */
function source(draws: number[]): { random: (buf: Uint32Array<ArrayBuffer>) => void; buffers: Uint32Array[] } {
  const buffers: Uint32Array[] = [];
  return {
    buffers,
    random: (buf) => {
      buffers.push(buf);
      buf[0] = draws.shift()!;
    },
  };
}

const ACCEPT_BELOW = 4_294_000_000; // the largest multiple of 10^6 below 2^32

it("OTP-01: a 32-bit draw maps to its last six digits, zero-padded", () => {
  expect(OTP_DIGITS).toBe(6);
  const cases: [number, string][] = [
    [0, "000000"],
    [7, "000007"],
    [999_999, "999999"],
    [1_000_000, "000000"],
    [1_234_567, "234567"],
    [ACCEPT_BELOW - 1, "999999"],
  ];
  for (const [draw, code] of cases) {
    const s = source([draw]);
    expect(generateOtp(s.random)).toBe(code);
    expect(s.buffers).toHaveLength(1);
    expect(s.buffers[0]).toBeInstanceOf(Uint32Array);
    expect(s.buffers[0]).toHaveLength(1);
  }
});

it("OTP-01: draws in the biased tail (>= 4,294,000,000) are drawn again, never folded", () => {
  const s = source([ACCEPT_BELOW, 0xffff_ffff, ACCEPT_BELOW + 123_456, 42]);
  expect(generateOtp(s.random)).toBe("000042");
  expect(s.buffers).toHaveLength(4);
});

it("OTP-01: the default source is crypto.getRandomValues, and its value alone decides the code", () => {
  const spy = vi.spyOn(crypto, "getRandomValues");
  expect(generateOtp()).toMatch(/^\d{6}$/);
  expect(spy).toHaveBeenCalled();
  expect(spy.mock.calls[0]![0]).toBeInstanceOf(Uint32Array);
  spy.mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    (array as unknown as Uint32Array)[0] = 3_000_271_828;
    return array;
  });
  expect(generateOtp()).toBe("271828");
});

it("OTP-01: 100,000 codes are uniform per digit position by chi-square", () => {
  const N = 100_000;
  const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
  for (let i = 0; i < N; i++) {
    const code = generateOtp();
    for (let p = 0; p < 6; p++) counts[p]![code.charCodeAt(p) - 48]!++;
  }
  for (const position of counts) {
    const chi2 = position.reduce((sum, observed) => sum + (observed - N / 10) ** 2 / (N / 10), 0);
    expect(chi2).toBeLessThan(33.72); // 9 degrees of freedom, p = 0.0001
  }
});

const rawKey = utf8("k".repeat(32));

it("OTP-02: the digest is HMAC-SHA-256 under the server key over purpose, phone and code", async () => {
  const key = await importHmacKey(rawKey);
  const digest = await otpDigest(key, "sign_in", "+919876543210", "123456");
  // Recomputed independently with WebCrypto.
  const verifyKey = await crypto.subtle.importKey("raw", rawKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", verifyKey, utf8("otp.v1|sign_in|+919876543210|123456")));
  expect(digest).toBe(toBase64url(expected));
  expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(digest).not.toContain("123456");
});

it("OTP-10: the same code gives another digest for another phone, another purpose or another key", async () => {
  const key = await importHmacKey(rawKey);
  const base = await otpDigest(key, "sign_in", "+919876543210", "123456");
  expect(await otpDigest(key, "sign_in", "+919876543210", "123456")).toBe(base);
  const others = [
    await otpDigest(key, "sign_in", "+919876543211", "123456"),
    await otpDigest(key, "step_up", "+919876543210", "123456"),
    await otpDigest(key, "sign_in", "+919876543210", "123457"),
    await otpDigest(await importHmacKey(utf8("j".repeat(32))), "sign_in", "+919876543210", "123456"),
  ];
  expect(new Set([base, ...others]).size).toBe(5);
});

