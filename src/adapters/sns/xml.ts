const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * The text of the first `<name>…</name>` element of an AWS Query API answer,
 * or null. AWS answers are flat, namespace-free in their element names and
 * never put markup inside the few leaves we read (MessageId, Code), so this
 * is all the XML we need; a full parser would add weight to every Worker.
 * Only a plain token-like value is returned: anything else is treated as
 * absent, so nothing the provider wrote can reach a log unchecked.
 */
export function xmlElementText(xml: string, name: string): string | null {
  const open = `<${name}>`;
  const start = xml.indexOf(open);
  if (start < 0) return null;
  const end = xml.indexOf(`</${name}>`, start + open.length);
  if (end < 0) return null;
  const text = xml
    .slice(start + open.length, end)
    .trim()
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
  return /^[A-Za-z0-9._:-]{1,128}$/.test(text) ? text : null;
}
