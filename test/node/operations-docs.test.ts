/**
 * docs/operations.md lists every log line the Worker writes: each `type` a
 * logJson call in src/ uses has its row in the "Every log line" table, and
 * the table lists no type the code no longer writes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The `type` of every logJson(level, { type: "…", … }) call (and of LogAuthEvents' line). */
function writtenTypes(): string[] {
  const types = new Set<string>();
  for (const file of sources(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const call of text.matchAll(/logJson\([^,]+,\s*\{\s*type:\s*"([a-z_]+)"/g)) types.add(call[1]!);
    for (const field of text.matchAll(/^\s+type:\s*"(auth_event)",$/gm)) types.add(field[1]!);
  }
  return [...types].sort();
}

function documentedTypes(): string[] {
  const doc = readFileSync(join(root, "docs", "operations.md"), "utf8");
  const table = doc.slice(doc.indexOf("### Every log line"), doc.indexOf("## Alerts"));
  // Rows only: the header row names the column `type` itself.
  return [...table.matchAll(/^\| `([a-z_]+)` \| `?(info|warn|error)/gm)].map((m) => m[1]!).sort();
}

describe("docs/operations.md, Every log line", () => {
  it("has a row for every log line type the Worker writes, and none for a type it does not", () => {
    const written = writtenTypes();
    expect(written.length).toBeGreaterThanOrEqual(15);
    expect(written).toContain("auth_event");
    expect(written).toContain("metric");
    expect(documentedTypes()).toEqual(written);
  });
});
