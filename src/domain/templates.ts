/** What SMS and voice messages share: choosing a template by language, and filling it. Pure. */

/**
 * The first of `languages` (most wanted first) that `templates` (keyed by
 * lower-case BCP 47 tag) has a template for: its exact tag, then its
 * language alone ("pt-BR", then "pt"). `wanted` is the tag asked for, in
 * lower case. null when none matches.
 */
export function matchTemplate(templates: Readonly<Record<string, string>>, languages: readonly string[]): { text: string; wanted: string } | null {
  // Own keys only: a tag such as "constructor" must not reach Object.prototype.
  const get = (tag: string): string | undefined => (Object.hasOwn(templates, tag) ? templates[tag] : undefined);
  for (const asked of languages) {
    const wanted = asked.trim().toLowerCase();
    const text = get(wanted) ?? get(wanted.split("-")[0]!);
    if (text !== undefined) return { text, wanted };
  }
  return null;
}

/** The code's lifetime as a message says it: whole minutes, rounded up. */
export const minutesOf = (ttlSeconds: number): number => Math.ceil(ttlSeconds / 60);

/** Fills every `{code}`, `{minutes}` and `{app}` of a template. */
export function fillTemplate(template: string, fields: { code: string; minutes: number; app: string }): string {
  return template.replaceAll("{code}", fields.code).replaceAll("{minutes}", String(fields.minutes)).replaceAll("{app}", fields.app);
}
