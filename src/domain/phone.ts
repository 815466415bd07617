import { parsePhoneNumberWithError, type CountryCode, type NumberType } from "libphonenumber-js/max";

export interface Phone {
  /** Canonical E.164, e.g. +919876543210. */
  e164: string;
  /** ISO 3166-1 alpha-2 region of the number, when libphonenumber knows it (null for non-geographic codes such as +881). */
  country: CountryCode | null;
  /** The country calling code without `+` ("91", "881"). */
  callingCode: string;
  /** libphonenumber's number type from its full metadata (MOBILE, PREMIUM_RATE, …); null when it cannot tell. */
  type: NumberType | null;
}

// E.164: a plus, a non-zero country-code digit, at most 15 digits in all.
// Spaces, dashes and national formats are refused rather than guessed at, so
// one person cannot appear under two spellings.
const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Parses a phone number that must already be E.164 and valid for its
 * country's number plan (libphonenumber "max" metadata, not just length).
 * Returns null for anything else; never throws.
 */
export function parseE164(input: unknown): Phone | null {
  if (typeof input !== "string" || !E164.test(input)) return null;
  try {
    const parsed = parsePhoneNumberWithError(input);
    if (!parsed.isValid() || parsed.number !== input) return null;
    return { e164: parsed.number, country: parsed.country ?? null, callingCode: parsed.countryCallingCode, type: parsed.getType() ?? null };
  } catch {
    return null;
  }
}

/**
 * The number in international format with every national digit but the last
 * four hidden: `+91 98765 43210` → `+91 ••••• •3210`. What a passkey manager
 * shows as the account (PASSKEY_USER_NAME=masked), so a shared screen or a
 * synced credential list does not give the number away.
 */
export function maskPhone(e164: string): string {
  const spaced = internationalFormat(e164);
  const space = spaced.indexOf(" ");
  const [prefix, national] = space === -1 ? ["", spaced] : [spaced.slice(0, space + 1), spaced.slice(space + 1)];
  const digits = national.replace(/\D/g, "").length;
  let seen = 0;
  return prefix + national.replace(/\d/g, (d) => (++seen <= digits - 4 ? "•" : d));
}

/** `+919876543210` → `+91 98765 43210`; the E.164 form when libphonenumber cannot format it. */
export function internationalFormat(e164: string): string {
  try {
    return parsePhoneNumberWithError(e164).formatInternational();
  } catch {
    return e164;
  }
}
