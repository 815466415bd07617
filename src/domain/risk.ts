/**
 * Sign-in risk (issue 10, section 7; the design's "device trust scoring"): a
 * small additive score from signals already at hand, with its reasons. It
 * goes into the auth event and onto the session; above RISK_STEP_UP_THRESHOLD
 * an OTP sign-in of a user who has a passkey, device key or PIN gets a
 * session that must be unlocked before it counts (check-session answers
 * `stepUp.required` with reason `risk`). Why so simple: every weight can be
 * explained to the person it affects and to an operator reading a log line,
 * and no signal adds a round trip (the prefix counters and the cached line
 * type are read beside the code check).
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
  /** The number's cached carrier line type (FRAUD-02); null when no lookup is configured or none is cached. */
  lineType: string | null;
  /** The number's prefix this hour (FRAUD-03/04); null when unknown (no budget store answer). */
  prefix: PrefixHealth | null;
}

/** A prefix's traffic this hour, with the limits it is judged by. */
export interface PrefixHealth {
  sends: number;
  verified: number;
  /** The conversion guard blocked it. */
  blocked: boolean;
  /** SMS_PREFIX_HOURLY_LIMIT; Infinity: off. */
  hourlyLimit: number;
  /** CONVERSION_MIN_SENDS (0: off) and CONVERSION_MIN_RATE. */
  minSends: number;
  minRate: number;
}

export interface RiskAssessment {
  /** 0 (nothing unusual) to 100. */
  score: number;
  /** Why, in weight order: `new_device`, `new_country`, `anonymiser`, `busy_address`, `busy_prefix`, `low_conversion`, `voip_line`. */
  reasons: string[];
}

/**
 * Each signal's weight: a new device is common (new phone) and weighs least
 * of the strong ones alone; two strong ones together pass the default
 * threshold (60). The traffic and line signals (20 each) only tip a new
 * device over it together with another.
 */
export const RISK_WEIGHTS = {
  new_device: 40,
  new_country: 30,
  anonymiser: 30,
  busy_address: 20,
  busy_prefix: 20,
  low_conversion: 20,
  voip_line: 20,
} as const;

/** VoIP line types that are allowed (not in LOOKUP_BLOCKED_LINE_TYPES) yet easy to get in bulk. */
const VOIP = new Set(["fixedVoip", "nonFixedVoip"]);

/** Half the prefix's hourly budget used: traffic like a pumping run's, or a busy office block. */
function busyPrefix(p: PrefixHealth): boolean {
  return Number.isFinite(p.hourlyLimit) && p.sends * 2 >= p.hourlyLimit;
}

/** Blocked by the conversion guard, or on the way there: half its minimum sends seen, and too few of them entered. */
function lowConversion(p: PrefixHealth): boolean {
  if (p.minSends === 0) return false;
  return p.blocked || (p.sends * 2 >= p.minSends && p.verified < p.sends * p.minRate);
}

export function assessSignIn(s: RiskSignals): RiskAssessment {
  const reasons: (keyof typeof RISK_WEIGHTS)[] = [];
  if (!s.recognisedDevice) reasons.push("new_device");
  if (s.requestCountry && s.lastCountry && s.requestCountry !== s.lastCountry) reasons.push("new_country");
  // Cloudflare reports Tor exit nodes as the pseudo-country T1.
  if (s.requestCountry === "T1") reasons.push("anonymiser");
  if (s.ipVerifyLimit > 0 && s.ipVerifyUsed * 2 >= s.ipVerifyLimit) reasons.push("busy_address");
  if (s.prefix && busyPrefix(s.prefix)) reasons.push("busy_prefix");
  if (s.prefix && lowConversion(s.prefix)) reasons.push("low_conversion");
  if (s.lineType && VOIP.has(s.lineType)) reasons.push("voip_line");
  const score = Math.min(100, reasons.reduce((sum, r) => sum + RISK_WEIGHTS[r], 0));
  return { score, reasons };
}
