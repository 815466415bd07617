/**
 * docs/mobile.md's code must match the typed client. Every ```ts and ```tsx
 * block is written to a temporary folder as a module of its own (a block
 * whose info string names a file, as in ```ts auth.ts, is that file, so
 * other blocks can import "./auth"); the blocks are then typechecked with
 * the TypeScript compiler API against client/src/index.ts (mapped to
 * `edge-phone-auth/client`) and the React Native libraries' declarations in
 * test/node/mobile-docs/libraries.d.ts. ```ts skip-check leaves a block out
 * (for fragments that are not TypeScript; none today).
 *
 * A deliberately broken module compiled in the same program (a call of a
 * client method that does not exist) must fail: proof that the check can
 * fail at all, e.g. that the client is not silently typed `any`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = join(ROOT, "docs/mobile.md");
const CLIENT = join(ROOT, "client/src/index.ts");
const LIBRARIES = join(ROOT, "test/node/mobile-docs/libraries.d.ts");

interface Block {
  lang: "ts" | "tsx";
  /** The module's file name: from the info string, or block-N. */
  file: string;
  /** 1-based line in docs/mobile.md of the block's first code line. */
  line: number;
  code: string;
  skip: boolean;
}

/** The ```ts / ```tsx blocks of a Markdown text (other languages are ignored). */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`docs/mobile.md:${i + 1}: code block never closed`);
    const lang = open[1]!;
    if (lang === "ts" || lang === "tsx") {
      const words = open[2]!.trim().split(/\s+/).filter(Boolean);
      const named = words.find((w) => /^[\w.-]+\.tsx?$/.test(w));
      blocks.push({
        lang,
        file: named ?? `block-${blocks.length + 1}.${lang}`,
        line: start + 1,
        code: lines.slice(start, end).join("\n"),
        skip: words.includes("skip-check"),
      });
    }
    i = end;
  }
  return blocks;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // The client needs the DOM's fetch types; React Native's globals are a subset.
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noUncheckedIndexedAccess: true,
  isolatedModules: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
  paths: { "edge-phone-auth/client": [CLIENT] },
};

const dir = mkdtempSync(join(tmpdir(), "mobile-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BROKEN = "zz-broken-on-purpose.ts";

/** Writes the blocks (and the deliberately broken module) and typechecks them in one program. */
function typecheck(blocks: Block[]): Map<string, ts.Diagnostic[]> {
  const files = [];
  for (const block of blocks.filter((b) => !b.skip)) {
    const path = join(dir, block.file);
    writeFileSync(path, block.code + "\n");
    files.push(path);
  }
  const broken = join(dir, BROKEN);
  writeFileSync(broken, 'import { client } from "./auth";\nexport const x = client.signInWithMagic();\n');
  const program = ts.createProgram([...files, broken, LIBRARIES], OPTIONS);
  const byFile = new Map<string, ts.Diagnostic[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const key = d.file ? (d.file.fileName.startsWith(dir) ? relative(dir, d.file.fileName) : relative(ROOT, d.file.fileName)) : "(program)";
    byFile.set(key, [...(byFile.get(key) ?? []), d]);
  }
  return byFile;
}

/** A diagnostic as `docs/mobile.md:LINE (block FILE): message`, or the file's own place when it is not a block. */
function describeDiagnostic(d: ts.Diagnostic, blocks: Block[]): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return message;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const block = blocks.find((b) => join(dir, b.file) === d.file!.fileName);
  if (block) return `docs/mobile.md:${block.line + line} (block ${block.file}, column ${character + 1}): ${message}`;
  return `${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}: ${message}`;
}

describe("docs/mobile.md code blocks", () => {
  const blocks = codeBlocks(readFileSync(DOC, "utf8"));
  const results = typecheck(blocks);

  it("has the guide's blocks, named uniquely, and skips none", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const names = blocks.map((b) => b.file);
    expect(new Set(names).size).toBe(names.length);
    expect(blocks.filter((b) => b.skip).map((b) => b.file)).toEqual([]);
  });

  it("every ts / tsx block compiles against client/src (edge-phone-auth/client)", () => {
    const problems = [...results]
      .filter(([file]) => file !== BROKEN)
      .flatMap(([, diagnostics]) => diagnostics.map((d) => describeDiagnostic(d, blocks)));
    expect(problems, `\n${problems.join("\n")}\n`).toEqual([]);
  });

  it("the check fails on a call of a client method that does not exist", () => {
    const broken = (results.get(BROKEN) ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(broken).toEqual([expect.stringContaining("Property 'signInWithMagic' does not exist")]);
  });
});
