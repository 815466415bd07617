import { describe, expect, it } from "vitest";
import { AuthApiError, AuthNetworkError, type ErrorCode, type PinWeakness } from "edge-phone-auth/client";
import { inPlainWords, wait } from "../../../examples/web/src/words";

const apiError = (code: ErrorCode, extra: { retryAfter?: number; attemptsRemaining?: number; reason?: string } = {}): AuthApiError =>
  new AuthApiError(400, code, "x", "req", extra.retryAfter ?? null, extra.attemptsRemaining ?? null, (extra.reason ?? null) as PinWeakness | null);

describe("the demo's errors in plain words (pure)", () => {
  it("rate limits and lockouts say how long to wait, in seconds, minutes or hours", () => {
    expect(inPlainWords(apiError("rate_limited", { retryAfter: 42 }))).toBe("Too many requests. Please wait 42 seconds and try again.");
    expect(inPlainWords(apiError("too_many_attempts", { retryAfter: 900 }))).toBe("Too many wrong codes for this number. Please wait 15 minutes and try again.");
    expect(inPlainWords(apiError("too_many_attempts", { retryAfter: 86_400 }))).toBe("Too many wrong codes for this number. Please wait 24 hours and try again.");
    expect(inPlainWords(apiError("rate_limited"))).toBe("Too many requests. Please try again later.");
    expect(wait(1)).toBe("1 second");
  });

  it("wrong codes and PINs say how many tries are left; a weak PIN says why, and an unknown reason never prints undefined", () => {
    expect(inPlainWords(apiError("otp_invalid", { attemptsRemaining: 2 }))).toBe("That code is not right. 2 tries left.");
    expect(inPlainWords(apiError("pin_invalid", { attemptsRemaining: 1 }))).toBe("Wrong PIN. 1 try left.");
    expect(inPlainWords(apiError("pin_too_weak", { reason: "from_phone" }))).toBe("Choose another PIN: it uses digits of your phone number.");
    expect(inPlainWords(apiError("pin_too_weak", { reason: "new_rule" }))).toBe("Choose another PIN: it is too easy to guess.");
  });

  it("no answer, a cancelled passkey prompt and unknown failures each get their own words", () => {
    expect(inPlainWords(new AuthNetworkError("offline"))).toContain("could not reach the server");
    expect(inPlainWords(new DOMException("x", "NotAllowedError"))).toContain("cancelled");
    expect(inPlainWords(new Error("boom"))).toBe("Something went wrong. Please try again.");
  });
});
