/**
 * The demo app (examples/web), served by the real dev server at /demo,
 * driven in Debian's Chromium with a CDP WebAuthn virtual authenticator
 * (internal transport, resident keys, user verification) through the whole
 * walk: phone → code (dev outbox) → signed in → passkey → lock → unlock with
 * the passkey → PIN → unlock with the PIN → sessions (revoke one) → export →
 * delete. Screenshots of each step go to reports/e2e/. Any console error,
 * page error, failed request or error response the walk does not expect
 * fails the test.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = join(import.meta.dirname, "..", "..", "reports", "e2e");
const available = existsSync(CHROMIUM);
// In CI a missing browser is a failure (.ci/run installs it), never a silent skip.
const run = available || process.env.CI ? describe : describe.skip;
if (!available && !process.env.CI) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

let server: { url: string; stop: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  if (!available && !process.env.CI) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startWranglerDev();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Everything that went wrong in a page; `expected` lists the error responses the walk causes on purpose. */
interface Watch {
  problems: string[];
  errorResponses: string[];
}

function watch(page: Page, origin: string): Watch {
  const w: Watch = { problems: [], errorResponses: [] };
  page.on("console", (m) => {
    // Chromium logs every 4xx/5xx fetch as a console error; those are checked against the expected list instead.
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) w.problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => w.problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => w.problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) w.problems.push(`request to another origin: ${r.url()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) w.errorResponses.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return w;
}

/** A platform authenticator as a phone or laptop has: internal, resident keys, user verification that succeeds. */
async function virtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, id: authenticatorId };
}

/**
 * Copies the passkey as it is now from one virtual authenticator to another,
 * as a passkey provider syncs it between devices. Its signature counter goes
 * with it: the server refuses a counter that does not grow (a cloned key).
 */
async function syncPasskey(from: { cdp: CDPSession; id: string }, to: { cdp: CDPSession; id: string }): Promise<void> {
  const [credential] = (await from.cdp.send("WebAuthn.getCredentials", { authenticatorId: from.id })).credentials;
  await to.cdp.send("WebAuthn.clearCredentials", { authenticatorId: to.id });
  await to.cdp.send("WebAuthn.addCredential", { authenticatorId: to.id, credential: credential! });
}

let step = 0;
async function shot(page: Page, name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
}

const byId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

run("demo app in Chromium (real dev server, virtual authenticator)", () => {
  it("walks the whole product: SMS sign-in, passkey, lock, unlock, PIN, sessions, export, delete", async () => {
    const origin = server.url.replace("127.0.0.1", "localhost"); // WebAuthn needs a domain, not an IP, as RP ID.
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = watch(page, origin);
    const authenticator = await virtualAuthenticator(context, page);
    const phone = `+9198${String(Date.now() % 100_000_000).padStart(8, "0")}`;

    await page.goto(`${origin}/demo/`);
    await byId(page, "phone").fill(phone);
    await shot(page, "phone");
    await byId(page, "request-otp").click();
    await expect.poll(() => byId(page, "otp").inputValue()).toMatch(/^\d{6}$/);
    await expect.poll(() => page.locator("#notice").textContent()).toContain("dev SMS outbox");
    await shot(page, "code-from-dev-outbox");
    await byId(page, "verify-otp").click();
    await byId(page, "signed-in").waitFor();
    expect(await page.locator("#notice").textContent()).toContain("Welcome");
    await shot(page, "signed-in");

    await byId(page, "add-passkey").click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("Passkey added");
    const { credentials } = await authenticator.cdp.send("WebAuthn.getCredentials", { authenticatorId: authenticator.id });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    await shot(page, "passkey-added");

    await byId(page, "lock").click();
    await byId(page, "unlock-passkey").waitFor();
    await shot(page, "locked");
    await byId(page, "unlock-passkey").click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("Unlocked with your passkey");
    await shot(page, "unlocked-with-passkey");

    const pin = "582914";
    await byId(page, "new-pin").fill("123456");
    await byId(page, "set-pin").click();
    await expect.poll(() => page.locator("#error").textContent()).toContain("run such as 123456");
    await byId(page, "new-pin").fill(pin);
    await byId(page, "set-pin").click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("PIN set");
    await shot(page, "pin-set");
    await byId(page, "lock").click();
    await byId(page, "unlock-pin").fill("000000");
    await byId(page, "unlock-pin-submit").click();
    await expect.poll(() => page.locator("#error").textContent()).toMatch(/Wrong PIN\. 4 tries left/);
    await byId(page, "unlock-pin").fill(pin);
    await byId(page, "unlock-pin-submit").click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("Unlocked with your PIN");
    await shot(page, "unlocked-with-pin");

    // A second device with the same (synced) passkey signs in: a second session to revoke.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    const otherSeen = watch(otherPage, origin);
    const otherAuth = await virtualAuthenticator(other, otherPage);
    await syncPasskey(authenticator, otherAuth);
    await otherPage.goto(`${origin}/demo/`);
    await byId(otherPage, "passkey-sign-in").click();
    await byId(otherPage, "signed-in").waitFor();
    await syncPasskey(otherAuth, authenticator);

    await byId(page, "list-sessions").click();
    await expect.poll(() => page.locator('[data-testid="sessions"] li').count()).toBe(2);
    await shot(page, "sessions");
    await byId(page, "revoke-session").click();
    await expect.poll(() => page.locator('[data-testid="sessions"] li').count()).toBe(1);
    expect(await page.locator('[data-testid="sessions"] li').textContent()).toContain("this session");
    await shot(page, "session-revoked");
    // The revoked device finds itself signed out at its next start.
    await otherPage.reload();
    await byId(otherPage, "request-otp").waitFor();

    // After a PIN unlock the export asks for the passkey (a PIN alone is not a recent authentication).
    const downloading = page.waitForEvent("download");
    await byId(page, "export").click();
    const file = await downloading;
    await file.saveAs(join(SHOTS, "my-account.json"));
    expect(readFileSync(join(SHOTS, "my-account.json"), "utf8")).toContain(phone);
    await expect.poll(() => page.locator("#notice").textContent()).toContain("Exported everything");
    await shot(page, "exported");

    await byId(page, "delete").click();
    await byId(page, "delete-confirm").click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("deleted");
    await byId(page, "request-otp").waitFor();
    await shot(page, "deleted");

    expect(seen.problems).toEqual([]);
    expect(otherSeen.problems).toEqual([]);
    // The error answers the walk causes on purpose, and no other.
    expect(seen.errorResponses).toEqual(["400 POST /auth/pin", "400 POST /auth/verify-pin", "401 GET /user/export"]);
    expect(otherSeen.errorResponses).toEqual(["401 GET /auth/check-session"]);
    await other.close();
    await context.close();
  }, 120_000);
});
