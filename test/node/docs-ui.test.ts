/**
 * GET /docs as served by the real Worker under `wrangler dev`, with its
 * static files (wrangler.toml [assets], built by scripts/build-assets.mjs):
 * every file the page references, and every url(…) in its CSS, answers 200
 * with the right content type; the page, its init script and the CSS name no
 * other origin; the CSP allows this origin only. The Swagger UI bundle is
 * not scanned for URLs (it holds many as strings): the browser test
 * (docs-ui-browser.test.ts) proves none of them is requested. With
 * ENVIRONMENT=development the demo app is served at /demo/ the same way.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useDevServer } from "../support/dev-server";

const root = join(import.meta.dirname, "..", "..");
const devServer = useDevServer();

/** Every src= and href= in an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
}

/** An absolute URL (`http://`, `https://`, protocol-relative `//host`) anywhere in the text. */
function otherOrigins(text: string): string[] {
  return [...text.matchAll(/(?:\bhttps?:)?\/\/[A-Za-z0-9][A-Za-z0-9.-]*(?::\d+)?/g)].map((m) => m[0]);
}

/** The CSS with its data: URLs (inline SVG icons, which name the SVG namespace) left out. */
function withoutDataUrls(css: string): string {
  return css.replace(/url\(\s*(["']?)data:[\s\S]*?\1\s*\)/g, "url(data:)");
}

const TYPES: Record<string, RegExp> = {
  css: /^text\/css\b/,
  js: /^(text|application)\/javascript\b/,
  png: /^image\/png$/,
  svg: /^image\/svg\+xml\b/,
  txt: /^text\/plain\b/,
  html: /^text\/html\b/,
};

function expectType(path: string, contentType: string | null): void {
  const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? "";
  expect(TYPES[ext], `no expected type for ${path}`).toBeDefined();
  expect(contentType ?? "", path).toMatch(TYPES[ext]!);
}

/** The policy's sources, per directive; fails on any source that is not this origin, 'none', or data: for images. */
function expectSameOriginCsp(csp: string | null): Map<string, string[]> {
  expect(csp).toBeTruthy();
  const directives = new Map(csp!.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!.toLowerCase(), sources]));
  for (const [name, sources] of directives) {
    for (const source of sources) {
      const allowed = source === "'self'" || source === "'none'" || (source === "data:" && name === "img-src");
      expect(allowed, `${name} ${source}`).toBe(true);
    }
  }
  return directives;
}

describe("GET /docs under wrangler dev", () => {
  it("serves the page with a same-origin CSP, no inline script, and no other origin named", async () => {
    const res = await fetch(`${devServer().url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = expectSameOriginCsp(res.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    const html = await res.text();
    expect(otherOrigins(html)).toEqual([]);
    // Every script is a file: no inline code, no inline handlers.
    for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(attrs, "script without src").toMatch(/\ssrc=/);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it("every file the page references, and every url() in its CSS, is served from this origin: 200, right type, cacheable", async () => {
    const html = await (await fetch(`${devServer().url}/docs`)).text();
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(6);
    const fetched: string[] = [];
    for (const ref of refs) {
      expect(ref, "a same-origin absolute path").toMatch(/^\/(?!\/)/);
      const res = await fetch(new URL(ref, devServer().url));
      expect(res.status, ref).toBe(200);
      expectType(ref, res.headers.get("content-type"));
      const body = await res.text();
      fetched.push(ref);
      if (ref.endsWith(".css")) {
        const css = withoutDataUrls(body);
        expect(otherOrigins(css), ref).toEqual([]);
        expect(css, ref).not.toMatch(/@import/);
        for (const [, , target] of css.matchAll(/url\(\s*(["']?)([^)"']*)\1\s*\)/g)) {
          if (target === "data:") continue;
          const asset = new URL(target!, new URL(ref, devServer().url));
          expect(asset.origin, target).toBe(devServer().url);
          const r = await fetch(asset);
          expect(r.status, target).toBe(200);
          await r.arrayBuffer();
        }
      }
      if (ref === "/docs/init.js") {
        expect(otherOrigins(body)).toEqual([]);
        expect(body).toMatch(/url:\s*"\/openapi\.json"/);
        expect(body).toMatch(/validatorUrl:\s*null/);
      }
      // The vendored files carry their version in the URL, so they are cached for a year.
      if (ref.startsWith("/docs/assets/")) expect(res.headers.get("cache-control"), ref).toMatch(/max-age=31536000.*immutable/);
    }
    expect(fetched).toEqual(expect.arrayContaining(["/docs/init.js"]));
    expect(fetched.filter((r) => /swagger-ui-bundle\.js$/.test(r))).toHaveLength(1);
    expect(fetched.filter((r) => /swagger-ui\.css$/.test(r))).toHaveLength(1);
  });

  it("a cached file revalidates to 304; a file of another version, or a path climbing out of the folder, is the JSON 404", async () => {
    const html = await (await fetch(`${devServer().url}/docs`)).text();
    const css = references(html).find((r) => r.endsWith("swagger-ui.css"))!;
    const first = await fetch(`${devServer().url}${css}`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await fetch(`${devServer().url}${css}`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    for (const path of ["/docs/assets/0.0.1/swagger-ui.css", `${css.replace(/[^/]+$/, "")}nope.js`, `${css.replace(/[^/]+$/, "")}..%2F..%2F..%2Fdemo%2Findex.html`, "/docs/assets/index.html"]) {
      const res = await fetch(`${devServer().url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("not_found");
    }
  });

  const demoBuilt = existsSync(join(root, "examples", "web", "vite.config.ts"));
  it.runIf(demoBuilt)("ENVIRONMENT=development: the demo app at /demo/, with its files, from this origin only", async () => {
    const redirect = await fetch(`${devServer().url}/demo`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/demo/");
    const res = await fetch(`${devServer().url}/demo/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = expectSameOriginCsp(res.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toEqual(["'self'"]);
    const html = await res.text();
    expect(otherOrigins(html)).toEqual([]);
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      const url = new URL(ref, `${devServer().url}/demo/`);
      expect(url.origin, ref).toBe(devServer().url);
      const r = await fetch(url);
      expect(r.status, ref).toBe(200);
      expectType(url.pathname, r.headers.get("content-type"));
      await r.arrayBuffer();
    }
  });
});
