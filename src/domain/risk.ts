/**
 * Sign-in risk (issue 10, section 7; the design's "device trust scoring"): a
 * small additive score from signals already at hand, with its reasons. It
 * goes into the auth event and onto the session; above RISK_STEP_UP_THRESHOLD
 * an OTP sign-in of a user who has a passkey, device key or PIN gets a
 * session that must be unlocked before it counts (check-session answers
 * `stepUp.required` with reason `risk`). Why so simple: every weight can be
 * explained to the person it affects and to an operator reading a log line,
 * and each signal costs no extra round trip.
 */

export interface RiskSignals {
  /** The request brought a valid deviceToken for this phone (FRAUD-05). */
  recognisedDevice: boolean;
  /** Cloudflare's country of this request; null when unknown. */
  requestCountry: string | null;
  /** The country of the user's last sign-in; null when unknown or a first sign-in. */
  lastCountry: string | null;
  /** How much of its verify budget the client address has used in the window, including this request. */
  ipVerifyUsed: number;
  ipVerifyLimit: number;
}

export interface RiskAssessment {
  /** 0 (nothing unusual) to 100. */
  score: number;
  /** Why, in weight order: `new_device`, `new_country`, `anonymiser`, `busy_address`. */
  reasons: string[];
}

/** Each signal's weight: a new device is common (new phone) and weighs least alone; two together pass the default threshold (60). */
export const RISK_WEIGHTS = { new_device: 40, new_country: 30, anonymiser: 30, busy_address: 20 } as const;

export function assessSignIn(s: RiskSignals): RiskAssessment {
  const reasons: (keyof typeof RISK_WEIGHTS)[] = [];
  if (!s.recognisedDevice) reasons.push("new_device");
  if (s.requestCountry && s.lastCountry && s.requestCountry !== s.lastCountry) reasons.push("new_country");
  // Cloudflare reports Tor exit nodes as the pseudo-country T1.
  if (s.requestCountry === "T1") reasons.push("anonymiser");
  if (s.ipVerifyLimit > 0 && s.ipVerifyUsed * 2 >= s.ipVerifyLimit) reasons.push("busy_address");
  const score = Math.min(100, reasons.reduce((sum, r) => sum + RISK_WEIGHTS[r], 0));
  return { score, reasons };
}
