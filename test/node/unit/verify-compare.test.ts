/**
 * OTP-12 on the verify path. The guess's digest must be compared with the
 * stored one through constantTimeEqual, and that answer alone must decide.
 * A plain `===` gives the same answers as a constant-time compare, so no
 * black-box test can tell them apart: this one watches the call. (workerd's
 * test pool cannot mock modules, hence a Node-side test on in-memory stores.)
 */
import { afterEach, expect, it, vi } from "vitest";
import { otpDigest } from "../../../src/domain/otp";
import { verifyOtp } from "../../../src/domain/sign-in";
import { AuthError } from "../../../src/errors";
import * as cryptoLib from "../../../src/lib/crypto";
import { phoneHash } from "../../../src/lib/keys";
import { memoryDeps } from "./memory-deps";

vi.mock("../../../src/lib/crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../../src/lib/crypto")>();
  return { ...actual, constantTimeEqual: vi.fn(actual.constantTimeEqual) };
});

const compare = vi.mocked(cryptoLib.constantTimeEqual);

afterEach(() => {
  compare.mockClear();
});

it("OTP-12: verify compares the guess's digest with the stored digest through constantTimeEqual, and its answer decides", async () => {
  const deps = await memoryDeps();
  const phone = "+919876543210";
  const client = { ip: "203.0.113.1", userAgent: null, country: null };
  const hash = await phoneHash(deps.keys, phone);
  const code = "314159";
  const stored = await otpDigest(deps.keys.otp, "sign_in", phone, code);
  deps.ledger.state(hash).codes.sign_in = { digest: stored, expiresAt: deps.clock.t + 300_000, ticket: "t" };

  const wrong = await verifyOtp(deps, { phone, otp: "271828" }, client).catch((e: unknown) => e);
  expect((wrong as AuthError).code).toBe("otp_invalid");
  expect(compare.mock.calls).toEqual([[await otpDigest(deps.keys.otp, "sign_in", phone, "271828"), stored]]);

  // The right code is refused when the constant-time check says "different"...
  compare.mockClear();
  compare.mockReturnValueOnce(false);
  const refused = await verifyOtp(deps, { phone, otp: code }, client).catch((e: unknown) => e);
  expect((refused as AuthError).code).toBe("otp_invalid");
  expect(compare.mock.calls).toEqual([[stored, stored]]);

  // ...and accepted when it says "equal", with the code consumed.
  compare.mockClear();
  const signedIn = await verifyOtp(deps, { phone, otp: code }, client);
  expect(signedIn.token).toEqual(expect.any(String));
  expect(compare.mock.calls[0]).toEqual([stored, stored]);
  expect(deps.ledger.state(hash).codes.sign_in).toBeUndefined();
});
