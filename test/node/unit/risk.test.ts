import { describe, expect, it } from "vitest";
import { assessSignIn, RISK_WEIGHTS } from "../../../src/domain/risk";

const quietPrefix = { sends: 2, verified: 2, blocked: false, hourlyLimit: 20, minSends: 20, minRate: 0.2 };
const calm = { recognisedDevice: true, requestCountry: "IN", lastCountry: "IN", ipVerifyUsed: 1, ipVerifyLimit: 100, lineType: "mobile", prefix: quietPrefix };

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
    expect(assessSignIn({ ...calm, recognisedDevice: false, requestCountry: "T1", lastCountry: "IN", ipVerifyUsed: 100, ipVerifyLimit: 100 })).toEqual({
      score: 100,
      reasons: ["new_device", "new_country", "anonymiser", "busy_address"],
    });
  });

  it("an unknown country on either side is no signal (first sign-ins, requests without Cloudflare metadata)", () => {
    expect(assessSignIn({ ...calm, lastCountry: null, requestCountry: "DE" }).reasons).toEqual([]);
    expect(assessSignIn({ ...calm, requestCountry: null }).reasons).toEqual([]);
  });

  it("the prefix's traffic: half its hourly budget used is busy; half the guard's minimum sent with too few entered is low conversion", () => {
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, sends: 10, verified: 10 } })).toEqual({ score: 20, reasons: ["busy_prefix"] });
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, sends: 9, verified: 9 } }).reasons).toEqual([]);
    // 10 sends (half of CONVERSION_MIN_SENDS), 1 entered: 10% < 20%.
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, hourlyLimit: Infinity, sends: 10, verified: 1 } })).toEqual({ score: 20, reasons: ["low_conversion"] });
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, hourlyLimit: Infinity, sends: 10, verified: 2 } }).reasons).toEqual([]);
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, hourlyLimit: Infinity, sends: 9, verified: 0 } }).reasons).toEqual([]);
    // A prefix the guard blocked; the guard off (0) never counts.
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, sends: 0, verified: 0, blocked: true } }).reasons).toEqual(["low_conversion"]);
    expect(assessSignIn({ ...calm, prefix: { ...quietPrefix, hourlyLimit: Infinity, sends: 10, verified: 0, minSends: 0 } }).reasons).toEqual([]);
    expect(assessSignIn({ ...calm, prefix: null }).reasons).toEqual([]);
  });

  it("an allowed VoIP line type is a signal; mobile, landline and unknown are not", () => {
    expect(assessSignIn({ ...calm, lineType: "fixedVoip" })).toEqual({ score: 20, reasons: ["voip_line"] });
    expect(assessSignIn({ ...calm, lineType: "nonFixedVoip" }).reasons).toEqual(["voip_line"]);
    for (const lineType of ["mobile", "landline", "unknown", null]) expect(assessSignIn({ ...calm, lineType }).reasons).toEqual([]);
    expect(assessSignIn({ ...calm, recognisedDevice: false, lineType: "fixedVoip", prefix: { ...quietPrefix, sends: 10, verified: 0, minSends: 20 } })).toEqual({
      score: 100,
      reasons: ["new_device", "busy_prefix", "low_conversion", "voip_line"],
    });
  });
});
