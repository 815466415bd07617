import { parseAccept } from "hono/utils/accept";

/** The longest BCP 47 tag kept (the stored, canonical form; D1 column and MongoDB validator). */
export const MAX_LOCALE_LENGTH = 35;

/** The canonical form of a BCP 47 tag the runtime's Intl accepts (it throws on anything else); null when it is not one. */
export function canonicalLocale(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** True for a tag whose canonical form fits MAX_LOCALE_LENGTH (limits apply to the stored form, which can be longer than the one sent). */
export function isStorableLocale(tag: string): boolean {
  return (canonicalLocale(tag)?.length ?? Infinity) <= MAX_LOCALE_LENGTH;
}

/** Language tags from an Accept-Language header (parsed by Hono), most wanted first; q=0, `*` and malformed tags left out. */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  return parseAccept(header.slice(0, 512))
    .filter((a) => a.q > 0 && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(a.type))
    .sort((a, b) => b.q - a.q)
    .slice(0, 10)
    .map((a) => a.type);
}
