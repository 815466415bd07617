/**
 * The typed client (client/, `edge-phone-auth/client`) against the real
 * Worker under `wrangler dev` (development settings, console SMS provider,
 * codes read from the dev outbox). Passkeys use the software authenticator.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { AuthApiError, AuthNetworkError, createAuthClient, isAuthApiError, memoryStorage, type AuthClient, type PasskeyAuthenticator } from "../../client/src/index";
import { clientSchemaSource, SCHEMA_FILE } from "../../scripts/generate-client.mjs";
import { useDevServer } from "../support/dev-server";
import { SoftAuthenticator, SoftDeviceKey, devicePayload, toBase64Url, fromBase64 } from "../support/soft-authenticator";

const devServer = useDevServer();

let counter = 0;
/** A fresh valid Indian mobile number per call (the per-phone limits would otherwise meet). */
function phone(): string {
  counter += 1;
  return `+9198${String(Date.now() % 1_000_000).padStart(6, "0")}${String(counter % 100).padStart(2, "0")}`;
}

function client(extra: Partial<Parameters<typeof createAuthClient>[0]> = {}): AuthClient {
  return createAuthClient({ baseUrl: devServer().url, ...extra });
}

/** Signs in by SMS, reading the code from the dev outbox as the demo does. */
async function signIn(c: AuthClient, number = phone()): Promise<string> {
  await c.requestOtp(number);
  const [message] = await c.dev.outbox(number);
  const code = /\b(\d{6})\b/.exec(message!.body)![1]!;
  await c.verifyOtp(number, code);
  return number;
}

function softPasskeys(auth: SoftAuthenticator): PasskeyAuthenticator {
  return { create: (o) => auth.register(o), get: (o) => auth.assert(o) };
}

describe("typed client against the dev server", () => {
  it("its schema is the one the Worker serves (npm run client:generate)", async () => {
    const document: unknown = await (await fetch(`${devServer().url}/openapi.json`)).json();
    expect(readFileSync(SCHEMA_FILE, "utf8"), "client/src/schema.ts is stale: run npm run client:generate").toBe(await clientSchemaSource(document));
  });

  it("signs in by SMS, keeps both tokens in its storage, and sends the device token with the next request", async () => {
    const storage = memoryStorage();
    const c = client({ storage });
    const number = await signIn(c);
    expect(await storage.get("access")).toMatch(/^ey/);
    expect(await storage.get("device")).toBeTruthy();
    const check = await c.checkSession();
    expect(check.valid).toBe(true);
    expect(check.user.id).toBeTruthy();
    // The device token goes out with request-otp: seen by the server, the device is recognised (no error either way, so check the body it sends).
    const sent: string[] = [];
    const spy = client({ storage, fetch: async (req: Request) => (sent.push(await req.clone().text()), fetch(req)) });
    await spy.requestOtp(number).catch(() => undefined);
    expect(JSON.parse(sent[0]!)).toMatchObject({ phone: number, deviceToken: await storage.get("device") });
  });

  it("errors are typed: code, status, retryAfter with rate limits, attemptsRemaining with a wrong code", async () => {
    const c = client();
    const err = await c.requestOtp("12345").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthApiError);
    expect(err).toMatchObject({ status: 400, code: "invalid_phone" });
    // The channel option reaches the server: voice is off in development unless VOICE_COUNTRIES_ALLOW is set.
    expect(await c.requestOtp(phone(), { channel: "voice" }).catch((e: unknown) => e)).toMatchObject({ status: 400, code: "channel_not_supported" });
    const number = phone();
    await c.requestOtp(number);
    const limited = await c.requestOtp(number).catch((e: unknown) => e);
    expect(isAuthApiError(limited, "rate_limited")).toBe(true);
    // The resend cooldown (60 s) just began: Retry-After says nearly all of it.
    expect((limited as AuthApiError).retryAfter).toBeGreaterThan(50);
    expect((limited as AuthApiError).retryAfter).toBeLessThanOrEqual(60);
    const [message] = await c.dev.outbox(number);
    const code = /\b(\d{6})\b/.exec(message!.body)![1]!;
    const wrong = await c.verifyOtp(number, code === "000000" ? "000001" : "000000").catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 400, code: "otp_invalid" });
    expect((wrong as AuthApiError).attemptsRemaining).toBeGreaterThanOrEqual(1);
    expect((wrong as AuthApiError).requestId).toBeTruthy();
  });

  it("retries request-otp once with the same Idempotency-Key when no answer came: one SMS, not two", async () => {
    const number = phone();
    let calls = 0;
    const keys: (string | null)[] = [];
    const flaky = client({
      fetch: async (req: Request) => {
        calls += 1;
        keys.push(req.headers.get("idempotency-key"));
        const res = await fetch(req);
        // The first answer is lost on the way back.
        if (calls === 1) throw new TypeError("network connection lost");
        return res;
      },
    });
    expect(await flaky.requestOtp(number)).toMatchObject({ status: "sent" });
    expect(calls).toBe(2);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    expect(await flaky.dev.outbox(number)).toHaveLength(1);
    // With no answer at all, the caller gets a network error, not a guess.
    const down = client({ baseUrl: "http://127.0.0.1:9", fetch: (req: Request) => fetch(req) });
    expect(await down.requestOtp(phone()).catch((e: unknown) => e)).toBeInstanceOf(AuthNetworkError);
  });

  it("PIN: a weak PIN says why; a wrong one counts down; the right one unlocks and replaces the token", async () => {
    const c = client();
    const number = await signIn(c);
    const weak = await c.pin.set("123456").catch((e: unknown) => e);
    expect(weak).toMatchObject({ code: "pin_too_weak", reason: "sequence" });
    const pin = number.slice(-6) === "582914" ? "582915" : "582914";
    await c.pin.set(pin);
    const before = await c.storage.get("access");
    const wrong = await c.pin.unlock(pin === "582914" ? "582915" : "582914").catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: "pin_invalid" });
    expect((wrong as AuthApiError).attemptsRemaining).toBe(4);
    const unlocked = await c.pin.unlock(pin);
    expect(unlocked.user.pinEnabled).toBe(true);
    expect(await c.storage.get("access")).not.toBe(before);
  });

  it("passkeys: registers through the authenticator hook, then unlocks the session and signs in without one", async () => {
    const c = client();
    await signIn(c);
    const origin = new URL(devServer().url).origin;
    const auth = await SoftAuthenticator.create({ alg: "ES256", origin, rpId: new URL(devServer().url).hostname });
    expect(await c.passkeys.register(softPasskeys(auth), "Test laptop")).toMatchObject({ biometricEnabled: true });
    const unlocked = await c.passkeys.authenticate(softPasskeys(auth));
    expect(unlocked.user.biometricEnabled).toBe(true);
    // A fresh install: no token, a discoverable sign-in.
    const fresh = client();
    const signedIn = await fresh.passkeys.authenticate(softPasskeys(auth));
    expect(signedIn.user.id).toBe(unlocked.user.id);
    expect((await fresh.credentials.list()).credentials.map((x) => x.name)).toEqual(["Test laptop"]);
  });

  it("device keys: enrol with a signed challenge, then unlock with a signature", async () => {
    const c = client();
    await signIn(c);
    const key = await SoftDeviceKey.create("ES256");
    const enrol = await c.deviceKeys.challenge(key.deviceId, "enroll");
    await c.deviceKeys.enroll({
      deviceKey: { deviceId: key.deviceId, publicKey: toBase64Url(fromBase64(await key.publicKeySpki())), algorithm: "ES256", name: "Pixel" },
      proof: { challenge: enrol.challenge, signature: await key.sign(devicePayload("enroll", key.deviceId, enrol.challenge)) },
    });
    const unlock = await c.deviceKeys.challenge(key.deviceId, "unlock");
    const result = await c.deviceKeys.verify(key.deviceId, unlock.challenge, await key.sign(devicePayload("unlock", key.deviceId, unlock.challenge)));
    expect(result.user.biometricEnabled).toBe(true);
  });

  it("sessions: lists and revokes; the revoked client learns it is signed out (hook called, token dropped)", async () => {
    const a = client();
    await signIn(a);
    const auth = await SoftAuthenticator.create({ alg: "ES256", origin: new URL(devServer().url).origin, rpId: new URL(devServer().url).hostname });
    await a.passkeys.register(softPasskeys(auth));
    // A second device of the same user signs in with the passkey.
    const signedOut: string[] = [];
    const b = client({ onSignedOut: (e) => signedOut.push(e.code) });
    const second = await b.passkeys.authenticate(softPasskeys(auth));
    const { sessions } = await a.sessions.list();
    expect(sessions).toHaveLength(2);
    const other = sessions.find((s) => !s.current)!;
    await a.sessions.revoke(other.id);
    await expect(b.checkSession()).rejects.toMatchObject({ status: 401, code: "session_revoked" });
    expect(await b.storage.get("access")).toBeNull();
    expect(signedOut).toEqual(["session_revoked"]);
    expect(second.user.id).toBeTruthy();
    // A renewal replaces the token: the old one is refused at once.
    const old = await a.storage.get("access");
    await a.renew();
    const stale = client();
    await stale.storage.set("access", old);
    await expect(stale.checkSession()).rejects.toMatchObject({ status: 401 });
    expect((await a.checkSession()).valid).toBe(true);
    expect(await a.sessions.revokeOthers()).toEqual({ revoked: 0 });
  });

  it("a request that raced a renewal (sent with the old token) does not sign out its successor", async () => {
    let renewed!: () => void;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    const signedOut: string[] = [];
    const c = client({
      onSignedOut: (e) => signedOut.push(e.code),
      // check-session leaves with the old token, and arrives after the renewal.
      fetch: async (req: Request) => (new URL(req.url).pathname === "/auth/check-session" ? renewal.then(() => fetch(req)) : fetch(req)),
    });
    await signIn(c);
    const racing = c.checkSession().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const fresh = await c.renew();
    renewed();
    expect(await racing).toMatchObject({ status: 401 });
    expect(await c.storage.get("access")).toBe(fresh.token);
    expect(signedOut).toEqual([]);
  });

  it("logout and sign-out-everywhere forget the access token; the device token stays for the next sign-in", async () => {
    const c = client();
    await signIn(c);
    const token = await c.storage.get("access");
    await c.logout();
    expect(await c.storage.get("access")).toBeNull();
    expect(await c.storage.get("device")).toBeTruthy();
    const ghost = client();
    await ghost.storage.set("access", token);
    await expect(ghost.checkSession()).rejects.toMatchObject({ status: 401 });
    const d = client();
    await signIn(d);
    expect(await d.sessions.revokeOthers(true)).toEqual({ revoked: 1 });
    expect(await d.storage.get("access")).toBeNull();
  });

  it("a step-up or unlock answer replaces the stored token (canned answers: the step-up code would meet the resend cooldown)", async () => {
    const answer = { token: "t-new", expiresAt: new Date().toISOString(), user: { id: "u", isNewUser: false, biometricEnabled: false, pinEnabled: true } };
    const canned = client({ fetch: async () => Response.json(answer) });
    await canned.storage.set("access", "t-old");
    await canned.stepUp.verifyOtp("123456");
    expect(await canned.storage.get("access")).toBe("t-new");
    await canned.storage.set("access", "t-old");
    await canned.pin.unlock("582914");
    expect(await canned.storage.get("access")).toBe("t-new");
  });

  it("an answer without our error envelope (a proxy's) is still a typed error: a gateway error is service_unavailable", async () => {
    const proxy = (status: number) => client({ fetch: async () => new Response("<html>Bad gateway</html>", { status, headers: { "content-type": "text/html", "retry-after": "7" } }) });
    for (const status of [502, 503, 504]) {
      expect(await proxy(status).requestOtp("+919876543210").catch((e: unknown) => e)).toMatchObject({ status, code: "service_unavailable", retryAfter: 7 });
    }
    expect(await proxy(500).requestOtp("+919876543210").catch((e: unknown) => e)).toMatchObject({ status: 500, code: "internal_error" });
  });

  it("account: reads and updates preferences, exports, deletes (tokens forgotten, the old token refused)", async () => {
    const c = client();
    const number = await signIn(c);
    expect((await c.user.get()).phone).toContain("••");
    expect(await c.user.update({ locale: "en-gb", displayName: "Asha" })).toMatchObject({ locale: "en-GB", displayName: "Asha" });
    const data = await c.user.export();
    expect(JSON.stringify(data)).toContain(number);
    const token = await c.storage.get("access");
    expect(await c.user.delete()).toEqual({ status: "erased" });
    expect(await c.storage.get("access")).toBeNull();
    expect(await c.storage.get("device")).toBeNull();
    const ghost = client();
    await ghost.storage.set("access", token);
    await expect(ghost.checkSession()).rejects.toMatchObject({ status: 401 });
  });

  it("builds and imports as edge-phone-auth/client", async () => {
    const root = join(import.meta.dirname, "..", "..");
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "client/tsconfig.json"], { cwd: root, stdio: "pipe" });
    // Resolved by Node's own rules (the package's exports map), not the test alias to client/src.
    const entry = createRequire(import.meta.url).resolve("edge-phone-auth/client");
    expect(entry).toBe(join(root, "client", "dist", "index.js"));
    const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    expect(Object.keys(mod)).toEqual(expect.arrayContaining(["createAuthClient", "AuthApiError", "browserPasskeys", "memoryStorage", "webStorage"]));
  }, 60_000);
});
