import { parseAccept } from "hono/utils/accept";

/** Language tags from an Accept-Language header (parsed by Hono), most wanted first; q=0, `*` and malformed tags left out. */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  return parseAccept(header.slice(0, 512))
    .filter((a) => a.q > 0 && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(a.type))
    .sort((a, b) => b.q - a.q)
    .slice(0, 10)
    .map((a) => a.type);
}
