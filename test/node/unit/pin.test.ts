import { expect, it } from "vitest";
import { pinProblem } from "../../../src/domain/pin-policy";
import { importHmacKey, randomBytes } from "../../../src/lib/crypto";
import { hashPin, PBKDF2_ITERATION_CAP, PIN_PBKDF2_ITERATIONS, verifyPin } from "../../../src/lib/pin-hash";

const pepper = () => importHmacKey(randomBytes(32));
const rules = { minLength: 6, phoneDigits: "919876543210" };

it("PIN-02: the configured PBKDF2 count is at Cloudflare's production cap of 100,000, never above (local workerd has no cap)", () => {
  expect(PBKDF2_ITERATION_CAP).toBe(100_000);
  expect(PIN_PBKDF2_ITERATIONS).toBeLessThanOrEqual(PBKDF2_ITERATION_CAP);
  // As many as Workers allows (PIN-02): not fewer either.
  expect(PIN_PBKDF2_ITERATIONS).toBe(PBKDF2_ITERATION_CAP);
});

it("PIN-02: a record above the cap is refused before any key is derived (it would fail in production)", async () => {
  const key = await pepper();
  const record = await hashPin(key, 1, "482915");
  await expect(verifyPin(key, { ...record, iterations: PBKDF2_ITERATION_CAP + 1 }, "482915")).rejects.toThrow(/exceed the Workers cap/);
});

it("PIN-02: salted, peppered PBKDF2-SHA-256: the right PIN verifies; a wrong PIN, another pepper or another salt does not", async () => {
  const key = await pepper();
  const a = await hashPin(key, 1, "482915");
  const b = await hashPin(key, 1, "482915");
  expect(a).toMatchObject({ alg: "pbkdf2-sha256", iterations: 100_000, pepperVersion: 1 });
  expect(a.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(a.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(a.salt).not.toBe(b.salt);
  expect(a.hash).not.toBe(b.hash);
  expect(JSON.stringify(a)).not.toContain("482915");
  expect(await verifyPin(key, a, "482915")).toBe(true);
  expect(await verifyPin(key, a, "482916")).toBe(false);
  expect(await verifyPin(await pepper(), a, "482915")).toBe(false);
  expect(await verifyPin(key, { ...a, salt: b.salt }, "482915")).toBe(false);
  expect(await verifyPin(key, { ...a, alg: "md5" as "pbkdf2-sha256" }, "482915")).toBe(false);
});

it("PIN-02: the hash is PBKDF2 over HMAC(pepper, PIN), not over the PIN itself", async () => {
  const key = await pepper();
  const record = await hashPin(key, 1, "482915");
  const salt = Uint8Array.from(atob(record.salt.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode("482915"), "PBKDF2", false, ["deriveBits"]);
  const unpeppered = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, base, 256));
  const asText = btoa(String.fromCharCode(...unpeppered)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  expect(record.hash).not.toBe(asText);
});

it("PIN-02: trivial PINs are refused: repeated, ascending or descending runs, the most common, too short or long, not digits", () => {
  for (const pin of ["000000", "111111", "999999", "0000"]) expect(pinProblem(pin, { ...rules, minLength: 4 })).toBe("repeated");
  for (const pin of ["123456", "234567", "654321", "987654", "1234", "0123", "12345678"]) expect(pinProblem(pin, { ...rules, minLength: 4 })).toBe("sequence");
  for (const pin of ["121212", "123123", "112233", "159753", "1212", "2580", "11223344"]) expect(pinProblem(pin, { ...rules, minLength: 4 })).toBe("common");
  expect(pinProblem("48291", rules)).toBe("too_short");
  expect(pinProblem("482915037", rules)).toBe("too_long");
  for (const pin of ["48291a", "４８２９１５", "482 915", "", "-48291"]) expect(pinProblem(pin, rules)).toBe("not_digits");
  expect(pinProblem("482915", rules)).toBeNull();
  expect(pinProblem("4829", { ...rules, minLength: 4 })).toBeNull();
});

it("PIN-02: a PIN holding a run of 4+ digits of the user's own number is refused", () => {
  // +91 98765 43210: 9876 and 5432 are in it (and are sequences anyway); 7654 too. Take non-sequential pieces.
  const phoneDigits = "919847261530";
  for (const pin of ["984726", "047261", "153099", "472615", "261530"]) expect(pinProblem(pin, { minLength: 6, phoneDigits })).toBe("from_phone");
  expect(pinProblem("9847", { minLength: 4, phoneDigits })).toBe("from_phone");
  // Three digits of the number are allowed: they say too little.
  expect(pinProblem("984035", { minLength: 6, phoneDigits })).toBeNull();
});
