import { describe, expect, it } from "vitest";
import { isTwilioSignatureValid, signedUrlVariants, twilioSignature } from "../../../src/adapters/twilio/request-signature";

// Twilio's documented example ("Validating requests"): Auth Token 12345.
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" };
const EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

describe("X-Twilio-Signature (pure)", () => {
  it("HOOK-01: Twilio's documented test vector", async () => {
    expect(await twilioSignature("12345", URL_, PARAMS)).toBe(EXPECTED);
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, EXPECTED)).toBe(true);
    // Parameters are signed sorted by name, whatever order they arrive in.
    const shuffled = { To: PARAMS.To, Digits: PARAMS.Digits, CallSid: PARAMS.CallSid, From: PARAMS.From, Caller: PARAMS.Caller };
    expect(await twilioSignature("12345", URL_, shuffled)).toBe(EXPECTED);
  });

  it("HOOK-01: a missing, empty or wrong signature, another token, a changed parameter or URL never matches", async () => {
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, null)).toBe(false);
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, "")).toBe(false);
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, EXPECTED.replace("0/", "1/"))).toBe(false);
    expect(await isTwilioSignatureValid("54321", URL_, PARAMS, EXPECTED)).toBe(false);
    expect(await isTwilioSignatureValid("12345", URL_, { ...PARAMS, Digits: "1235" }, EXPECTED)).toBe(false);
    expect(await isTwilioSignatureValid("12345", URL_, { ...PARAMS, Extra: "" }, EXPECTED)).toBe(false);
    expect(await isTwilioSignatureValid("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", PARAMS, EXPECTED)).toBe(false);
    expect(await isTwilioSignatureValid("", URL_, PARAMS, EXPECTED)).toBe(false);
  });

  it("HOOK-01: the URL is accepted with and without the default port, never with another port", async () => {
    expect(signedUrlVariants(URL_)).toEqual([URL_, "https://mycompany.com:443/myapp.php?foo=1&bar=2"]);
    expect(signedUrlVariants("https://mycompany.com:443/myapp.php?foo=1&bar=2")).toContain(URL_);
    const withPort = await twilioSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS);
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, withPort)).toBe(true);
    expect(await isTwilioSignatureValid("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS, EXPECTED)).toBe(true);
    const otherPort = await twilioSignature("12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", PARAMS);
    expect(await isTwilioSignatureValid("12345", URL_, PARAMS, otherPort)).toBe(false);
    // A callback configured on another port is signed with that port only.
    const on8443 = "https://mycompany.com:8443/myapp.php?foo=1&bar=2";
    expect(signedUrlVariants(on8443)).toEqual([on8443]);
    expect(await isTwilioSignatureValid("12345", on8443, PARAMS, EXPECTED)).toBe(false);
    expect(await isTwilioSignatureValid("12345", on8443, PARAMS, otherPort)).toBe(true);
    // The path and query are signed as configured, never normalised.
    expect(signedUrlVariants("https://mycompany.com/a/../b?x=%7e")).toEqual(["https://mycompany.com/a/../b?x=%7e", "https://mycompany.com:443/a/../b?x=%7e"]);
  });
});
