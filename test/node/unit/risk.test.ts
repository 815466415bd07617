import { describe, expect, it } from "vitest";
import { assessSignIn, RISK_WEIGHTS } from "../../../src/domain/risk";

const calm = { recognisedDevice: true, requestCountry: "IN", lastCountry: "IN", ipVerifyUsed: 1, ipVerifyLimit: 100 };

describe("sign-in risk assessment (pure)", () => {
  it("scores nothing for a recognised device in the usual country from a quiet address", () => {
    expect(assessSignIn(calm)).toEqual({ score: 0, reasons: [] });
  });

  it("adds each signal's weight and names it", () => {
    expect(assessSignIn({ ...calm, recognisedDevice: false })).toEqual({ score: RISK_WEIGHTS.new_device, reasons: ["new_device"] });
    expect(assessSignIn({ ...calm, requestCountry: "DE" })).toEqual({ score: 30, reasons: ["new_country"] });
    expect(assessSignIn({ ...calm, requestCountry: "T1" })).toEqual({ score: 60, reasons: ["new_country", "anonymiser"] });
    expect(assessSignIn({ ...calm, ipVerifyUsed: 50 })).toEqual({ score: 20, reasons: ["busy_address"] });
    expect(assessSignIn({ ...calm, ipVerifyUsed: 49 }).score).toBe(0);
    expect(assessSignIn({ recognisedDevice: false, requestCountry: "T1", lastCountry: "IN", ipVerifyUsed: 100, ipVerifyLimit: 100 })).toEqual({
      score: 100,
      reasons: ["new_device", "new_country", "anonymiser", "busy_address"],
    });
  });

  it("an unknown country on either side is no signal (first sign-ins, requests without Cloudflare metadata)", () => {
    expect(assessSignIn({ ...calm, lastCountry: null, requestCountry: "DE" }).reasons).toEqual([]);
    expect(assessSignIn({ ...calm, requestCountry: null }).reasons).toEqual([]);
  });
});
