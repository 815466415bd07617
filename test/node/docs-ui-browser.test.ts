/**
 * GET /docs in a real browser: Debian's Chromium (headless, through
 * playwright-core) against the real Worker under `wrangler dev`, with the
 * static files from public/. Every request the page makes is recorded and
 * must stay on the Worker's origin (the Swagger UI bundle holds other
 * origins' URLs as strings, e.g. the petstore and validator.swagger.io: this
 * proves none of them is called). Any console error, page error, failed
 * request or CSP violation fails the test; the operations list must render.
 * A screenshot goes to reports/screenshots/.
 *
 * Without /usr/bin/chromium the test is skipped with a message, except with
 * CI set, where a missing browser is a failure.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";

const CHROMIUM = "/usr/bin/chromium";
const HOST = "docs-ui.test";
const SHOTS = join(import.meta.dirname, "..", "..", "reports", "screenshots");
const available = existsSync(CHROMIUM);
const run = available || process.env.CI ? describe : describe.skip;
if (!available && !process.env.CI) console.warn(`[docs-ui-browser] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium); with CI set this fails`);

let server: { url: string; stop: () => Promise<void> } | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!available && !process.env.CI) return;
  server = await startWranglerDev();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-gpu",
      // A host name, as when deployed: Swagger UI treats localhost and 127.0.0.1 as special (it never validates them online).
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      // Deployed, the page is https: a trustworthy origin, where Cross-Origin-Opener-Policy applies instead of being warned about.
      `--unsafely-treat-insecure-origin-as-secure=${server.url.replace("127.0.0.1", HOST)}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

run("GET /docs in Chromium", () => {
  it("renders the operations with every request on the Worker's origin, no console error and no CSP violation", async () => {
    const origin = server!.url.replace("127.0.0.1", HOST);
    const page = await browser!.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    // Runs before the page's own scripts (through the DevTools protocol, not the page's CSP).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });

    const res = await page.goto(`${origin}/docs`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    await page.getByText("Send a sign-in code by SMS").first().waitFor({ timeout: 30_000 });
    // Open one operation: its examples render, and "Try it out" is offered.
    await page.getByText("Send a sign-in code by SMS").first().click();
    await page.getByRole("button", { name: "Try it out" }).first().waitFor({ timeout: 10_000 });
    await page.waitForLoadState("networkidle");
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "docs.png"), fullPage: true });

    expect(requests.filter((u) => !u.startsWith("data:") && new URL(u).origin !== origin), "requests to another origin").toEqual([]);
    const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    expect(violations, "CSP violations").toEqual([]);
    expect(problems).toEqual([]);
    // It did load the document and the files it was meant to.
    const paths = requests.filter((u) => !u.startsWith("data:")).map((u) => new URL(u).pathname);
    expect(paths).toEqual(expect.arrayContaining(["/docs", "/openapi.json", "/docs/init.js"]));
    expect(paths.some((p) => /^\/docs\/assets\/[^/]+\/swagger-ui-bundle\.js$/.test(p))).toBe(true);
    await page.close();
  }, 90_000);
});
