/** Reading parsed YAML or JSON (workflows, manifests, dashboards) with a clear message naming where a shape was wrong. */

export type Json = Record<string, unknown>;

/** `value` as a mapping (an object, not an array). */
export function obj(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(value)}`);
  return value as Json;
}

/** `value` as a sequence. */
export function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a sequence, got ${JSON.stringify(value)}`);
  return value;
}

/** `value` as a sequence of mappings. */
export function mappings(value: unknown, where: string): Json[] {
  return list(value, where).map((v, i) => obj(v, `${where}[${i}]`));
}

/** `value` as a string. */
export function str(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}
