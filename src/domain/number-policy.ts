import type { Phone } from "./phone";

/**
 * Which numbers may be sent a code at all (FRAUD-01, SEND-07): offline rules
 * from libphonenumber's metadata and the configured country lists, checked
 * before any counter or paid call. Why: SMS pumping sends codes to numbers
 * that are never a person's phone (premium rate and the like, satellite
 * networks) or to countries the app does not serve, and every such message
 * costs the app's owner money. Pure: no storage.
 */

/** Every kind of number the policy can refuse, as BLOCKED_NUMBER_TYPES names them. */
export const NUMBER_CATEGORIES = [
  "premium_rate",
  "shared_cost",
  "toll_free",
  "uan",
  "pager",
  "voicemail",
  "satellite",
  "international_network",
  "voip",
  "personal_number",
  "fixed_line",
] as const;

export type NumberCategory = (typeof NUMBER_CATEGORIES)[number];

/** Kinds that can be a person's phone: blocked only when BLOCKED_NUMBER_TYPES names them. */
const OPTIONAL_CATEGORIES: readonly NumberCategory[] = ["voip", "personal_number", "fixed_line"];

/** Never a person's phone: the default of BLOCKED_NUMBER_TYPES. */
export const DEFAULT_BLOCKED_CATEGORIES: readonly NumberCategory[] = NUMBER_CATEGORIES.filter((c) => !OPTIONAL_CATEGORIES.includes(c));

/**
 * Non-geographic calling codes libphonenumber files as ordinary mobile or
 * VoIP numbers: +870 Inmarsat and +881 the global mobile satellite system;
 * +882 and +883 international networks (shared by carriers, often used for
 * pumping).
 */
const SATELLITE_CODES = new Set(["870", "881"]);
const INTERNATIONAL_NETWORK_CODES = new Set(["882", "883"]);

const BY_TYPE: Partial<Record<NonNullable<Phone["type"]>, NumberCategory>> = {
  PREMIUM_RATE: "premium_rate",
  SHARED_COST: "shared_cost",
  TOLL_FREE: "toll_free",
  UAN: "uan",
  PAGER: "pager",
  VOICEMAIL: "voicemail",
  VOIP: "voip",
  PERSONAL_NUMBER: "personal_number",
  FIXED_LINE: "fixed_line",
};

/** The categories a number belongs to (a +883 VoIP number is both `international_network` and `voip`). */
export function categoriesOf(phone: Phone): NumberCategory[] {
  const out: NumberCategory[] = [];
  if (SATELLITE_CODES.has(phone.callingCode)) out.push("satellite");
  if (INTERNATIONAL_NETWORK_CODES.has(phone.callingCode)) out.push("international_network");
  const byType = phone.type ? BY_TYPE[phone.type] : undefined;
  if (byType) out.push(byType);
  return out;
}

export interface NumberPolicy {
  blocked: ReadonlySet<NumberCategory>;
  /** ISO country codes that may be sent codes; null: every country (`*`). Non-geographic numbers have no country and pass only `*`. */
  allowCountries: ReadonlySet<string> | null;
  denyCountries: ReadonlySet<string>;
}

/** Why a number is refused (for the log only; the client sees `phone_not_supported`), or null when it may be sent a code. */
export function numberRefusal(policy: NumberPolicy, phone: Phone): string | null {
  const category = categoriesOf(phone).find((c) => policy.blocked.has(c));
  if (category) return `number_type:${category}`;
  if (phone.country && policy.denyCountries.has(phone.country)) return "country_denied";
  if (policy.allowCountries && !(phone.country && policy.allowCountries.has(phone.country))) return "country_not_allowed";
  return null;
}
