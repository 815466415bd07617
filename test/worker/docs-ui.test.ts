/**
 * The docs UI (/docs) and the demo app (/demo) inside workerd, with the
 * ASSETS binding from wrangler.toml: what DOCS_ENABLED and ENVIRONMENT
 * switch off, the page's own CSP, and that neither is an API operation.
 * The full crawl of the page's files and the browser run are Node tests
 * against `wrangler dev` (test/node/docs-ui*.test.ts).
 */
import { describe, expect, it } from "vitest";
import { DOCS_ASSETS } from "../../src/routes/docs";
import { call, expectError, testEnv, twilioSettings } from "./helpers";

const ASSETS = ["swagger-ui.css", "index.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png", "LICENSE.txt"].map((f) => `${DOCS_ASSETS}/${f}`);

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? "").split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

describe("GET /docs", () => {
  it("is an HTML page whose CSP allows this origin only (data: images aside), and which references only this origin's files", async () => {
    expect(testEnv.ASSETS, "the ASSETS binding from wrangler.toml").toBeDefined();
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = directives(res.headers.get("content-security-policy"));
    expect(Object.fromEntries(csp)).toEqual({
      "default-src": ["'none'"],
      "script-src": ["'self'"],
      "style-src": ["'self'"],
      "img-src": ["'self'", "data:"],
      "connect-src": ["'self'"],
      "base-uri": ["'none'"],
      "form-action": ["'self'"],
      "frame-ancestors": ["'none'"],
    });
    // The other security headers are still the API's.
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual([...ASSETS, "/docs/init.js"].sort());
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i);
  });

  it("its files carry their content type even from a plain file server (self-hosted workerd answers application/octet-stream)", async () => {
    const plain = { fetch: async (req: Request) => new Response(`/* ${new URL(req.url).pathname} */`, { headers: { "content-type": "application/octet-stream" } }) };
    const types = await Promise.all(
      [`${DOCS_ASSETS}/swagger-ui-bundle.js`, `${DOCS_ASSETS}/swagger-ui.css`, `${DOCS_ASSETS}/favicon-32x32.png`].map(async (path) => (await call(path, { settings: { ASSETS: plain } })).headers.get("content-type")),
    );
    expect(types).toEqual(["text/javascript; charset=utf-8", "text/css; charset=utf-8", "image/png"]);
    // A 304 has no body: it gets no content type either.
    const unchanged = { fetch: async () => new Response(null, { status: 304, headers: { etag: '"v1"' } }) };
    const res = await call(`${DOCS_ASSETS}/swagger-ui-bundle.js`, { settings: { ASSETS: unchanged }, headers: { "if-none-match": '"v1"' } });
    expect(res.status).toBe(304);
    expect(res.headers.get("content-type")).toBeNull();
  });

  it("its files come from the ASSETS binding with a year's cache; init.js starts Swagger UI on /openapi.json without the validator", async () => {
    for (const path of ASSETS) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe("public, max-age=31536000, immutable");
      expect((await res.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
    }
    const init = await call("/docs/init.js");
    expect(init.status).toBe(200);
    expect(init.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const script = await init.text();
    // Exactly these options: a new one (queryConfigEnabled would let ?url= load another document) must be reviewed here.
    const options = /SwaggerUIBundle\(\{([^}]*)\}\)/.exec(script)?.[1]?.split(",").map((o) => o.trim()).filter(Boolean).sort();
    expect(options).toEqual(['deepLinking: true', 'dom_id: "#swagger-ui"', 'url: "/openapi.json"', "validatorUrl: null"]);
    expect(script).not.toMatch(/https?:|\/\/[a-z]/i);
  });

  it("another version's file, a file that is not there, or a path out of the folder is the JSON 404", async () => {
    for (const path of ["/docs/assets/0.0.1/swagger-ui.css", `${DOCS_ASSETS}/nope.js`, `${DOCS_ASSETS}/..%2F..%2F..%2Fdemo%2Findex.html`, `${DOCS_ASSETS}/.hidden`, "/docs/assets/", "/docs/other"]) {
      await expectError(await call(path), 404, "not_found");
    }
  });

  it("never asks ASSETS for a path outside the route's folder: another version, `..`, encoded slashes, hidden files", async () => {
    // An asset server that would serve anything: only the Worker's own checks stand between a path and a file.
    const asked: string[] = [];
    const ASSETS_ANY = { fetch: async (req: Request) => (asked.push(new URL(req.url).pathname), new Response("x", { status: 200 })) };
    const settings = { ASSETS: ASSETS_ANY, ENVIRONMENT: "development" };
    const refused = [
      "/docs/assets/0.0.1/swagger-ui.css",
      `${DOCS_ASSETS}/..%2F..%2F..%2Fdemo%2Findex.html`,
      `${DOCS_ASSETS}/%2e%2e%2F%2e%2e%2Fx`,
      `${DOCS_ASSETS}/.hidden`,
      `${DOCS_ASSETS}/a/.git/config`,
      "/demo/.env",
      "/demo/..%2Fdocs%2Fassets%2Fx",
    ];
    for (const path of refused) await expectError(await call(path, { settings }), 404, "not_found");
    expect(asked).toEqual([]);
    expect((await call(`${DOCS_ASSETS}/swagger-ui.css`, { settings })).status).toBe(200);
    expect((await call("/demo/assets/index-abc.js", { settings })).status).toBe(200);
    expect(asked).toEqual([`${DOCS_ASSETS}/swagger-ui.css`, "/demo/assets/index-abc.js"]);
  });

  it("DOCS_ENABLED=false: the page, init.js and every file are 404 (a wrong method too: nothing shows the route exists)", async () => {
    const settings = { DOCS_ENABLED: "false" };
    for (const path of ["/docs", "/docs/init.js", ...ASSETS]) await expectError(await call(path, { settings }), 404, "not_found");
    await expectError(await call("/docs", { method: "POST", settings }), 404, "not_found");
    const enabled = await call("/docs", { method: "POST" });
    expect(enabled.status).toBe(405);
    expect(enabled.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    await expectError(await call("/docs", { settings: { DOCS_ENABLED: "no" } }), 503, "service_misconfigured");
  });
});

describe("/demo", () => {
  it("is 404 unless ENVIRONMENT=development (test, production)", async () => {
    // Production refuses a plain-http provider URL: the real Twilio origin (nothing is sent here).
    const { TWILIO_API_BASE: _local, ...twilio } = twilioSettings();
    const production = { ...twilio, ENVIRONMENT: "production" };
    for (const settings of [{}, production]) {
      for (const path of ["/demo", "/demo/", "/demo/index.html", "/demo/favicon.svg"]) await expectError(await call(path, { settings }), 404, "not_found");
      await expectError(await call("/demo/", { method: "POST", settings }), 404, "not_found");
    }
    // Production still serves the docs.
    expect((await call("/docs", { settings: production })).status).toBe(200);
  });

  it("ENVIRONMENT=development: /demo redirects to /demo/; a missing file or a path out of the folder is the JSON 404", async () => {
    const settings = { ENVIRONMENT: "development" };
    const res = await call("/demo", { settings });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/demo/");
    for (const path of ["/demo/nope.js", `/demo/..%2Fdocs%2Fassets%2Fx`, "/demo/.env"]) await expectError(await call(path, { settings }), 404, "not_found");
  });
});

describe("the OpenAPI document", () => {
  it("leaves the docs and demo out: they are pages, not API operations", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => /^\/(docs|demo)(\/|$)/.test(p))).toEqual([]);
  });
});
