/**
 * What test/node/backend-examples.test.ts needs around the examples: calls to
 * the auth Worker (sign-in over HTTP), tokens signed by test keys it
 * publishes, and each example behind one calling convention. The Hono app is
 * called with app.request(), the Express app over loopback HTTP, and the
 * Worker runs in workerd (Miniflare) from its own wrangler.toml, with its
 * AUTH service binding forwarded to the dev server.
 */
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { convertV4MiniflareOptions, Miniflare, Response as MiniflareResponse } from "miniflare";
import { expect } from "vitest";
import { unstable_readConfig } from "wrangler";
import { createApp as createExpressApp } from "../../../examples/backend/express/app";
import { createApp as createHonoApp, type AuthSettings } from "../../../examples/backend/hono/app";
import { pinProblem } from "../../../src/domain/pin-policy";

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  challenge: string | null;
}
export type Call = (method: "GET" | "POST", path: string, authorization?: string) => Promise<Answer>;
export interface Example {
  name: string;
  call: Call;
  /** The same example with the auth Worker out of reach. */
  down: Call;
}
export interface TestKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  privateKey: CryptoKey;
}
export type Cleanups = (() => unknown)[];
export const WORKER_CONFIG = "examples/backend/worker/wrangler.toml";

/** A JSON call to the auth Worker. */
export function authApi(baseUrl: string) {
  return async (path: string, opts: { body?: unknown; token?: string; method?: string } = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
      headers: { ...(opts.body !== undefined && { "content-type": "application/json" }), ...(opts.token && { authorization: `Bearer ${opts.token}` }) },
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-side JSON
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any };
  };
}
export type AuthApi = ReturnType<typeof authApi>;

let counter = 0;
/** A fresh valid Indian mobile number per call (per-phone limits would otherwise meet). */
export function phone(): string {
  counter += 1;
  return `+9198${String(Date.now() % 1_000_000).padStart(6, "0")}${String(counter % 100).padStart(2, "0")}`;
}

/** A PIN the policy accepts for this number (no 4 of its digits in a row, no runs, ...). */
export function pinFor(number: string): string {
  for (;;) {
    const pin = String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
    if (pinProblem(pin, { minLength: 6, phoneDigits: number.slice(1) }) === null) return pin;
  }
}

/** POST /auth/request-otp, the code from the dev outbox (newest first), POST /auth/verify-otp. */
export async function signIn(api: AuthApi, number: string): Promise<{ token: string; userId: string }> {
  expect((await api("/auth/request-otp", { body: { phone: number } })).status).toBe(200);
  const outbox = await api(`/dev/sms-outbox?phone=${encodeURIComponent(number)}`);
  const code = /code is (\d{6})/.exec(outbox.body.messages[0].body)![1];
  const verified = await api("/auth/verify-otp", { body: { phone: number, otp: code } });
  expect(verified.status).toBe(200);
  return { token: verified.body.token, userId: verified.body.user.id };
}

/** A key pair for JWT_ADDITIONAL_PUBLIC_JWKS: the auth Worker publishes the public half, the test signs. */
export async function testKey(kid: string, alg: "EdDSA" | "ES256"): Promise<{ key: TestKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519", extractable: true } : { extractable: true });
  return { key: { kid, alg, privateKey }, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

/** A token signed by a test key; the claims the auth Worker puts in its tokens unless overridden. */
export function mint(key: TestKey, claims: JWTPayload = {}, typ = "at+jwt"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: "edge-phone-auth", aud: "edge-phone-auth", sub: "u_minted", sid: "s_minted", jti: "j_minted", iat: now, exp: now + 600, auth_time: now, amr: ["sms"], ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey);
}

/**
 * An origin on loopback that serves the auth Worker's JWKS but drops every
 * other request (check-session): tokens still verify, and only the live
 * session check is out of reach.
 */
export async function checkSessionDownUrl(authUrl: string, cleanups: Cleanups): Promise<string> {
  const server = createHttpServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") return void req.socket.destroy();
    void fetch(`${authUrl}${req.url}`).then(async (upstream) => {
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(await upstream.text());
    });
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(() => new Promise((r) => server.close(() => r(undefined))));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** An origin on loopback where nothing listens. */
export async function closedPortUrl(): Promise<string> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return `http://127.0.0.1:${port}`;
}

async function asAnswer(res: { status: number; headers: { get(name: string): string | null }; text(): Promise<string> }): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, challenge: res.headers.get("www-authenticate") };
}

function init(method: string, authorization?: string): { method: string; headers: Record<string, string> } {
  return { method, headers: authorization ? { authorization } : {} };
}

export function honoExample(settings: AuthSettings, downUrl: string): Example {
  const [app, down] = [createHonoApp(settings), createHonoApp({ ...settings, authUrl: downUrl })];
  return {
    name: "hono",
    call: async (method, path, authorization) => asAnswer(await app.request(path, init(method, authorization))),
    down: async (method, path, authorization) => asAnswer(await down.request(path, init(method, authorization))),
  };
}

export async function expressExample(settings: AuthSettings, downUrl: string, cleanups: Cleanups): Promise<Example> {
  const listen = async (app: ReturnType<typeof createExpressApp>): Promise<Call> => {
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(() => new Promise((r) => server.close(r)));
    const { port } = server.address() as { port: number };
    return async (method, path, authorization) => asAnswer(await fetch(`http://127.0.0.1:${port}${path}`, init(method, authorization)));
  };
  return { name: "express", call: await listen(createExpressApp(settings)), down: await listen(createExpressApp({ ...settings, authUrl: downUrl })) };
}

/** The Worker, bundled as wrangler would (workerd conditions) and configured from its own wrangler.toml. */
export async function workerExample(authUrl: string, cleanups: Cleanups) {
  const config = unstable_readConfig({ config: WORKER_CONFIG }, { hideWarnings: true });
  const outDir = mkdtempSync(join(tmpdir(), "backend-worker-"));
  cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  await build({ entryPoints: [config.main!], bundle: true, format: "esm", platform: "neutral", conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"], outfile: join(outDir, "index.js"), logLevel: "warning" });
  const bindingCalls: string[] = [];
  const outboundCalls: string[] = [];
  let authDown = false;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: config.name,
      modules: true,
      modulesRoot: outDir, // module names are relative to it; a bundle outside the cwd needs it said
      scriptPath: join(outDir, "index.js"),
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      bindings: { ...config.vars },
      serviceBindings: {
        // Stands in for the "edge-phone-auth" service: the same path and headers, sent to the dev server.
        AUTH: async (request) => {
          const url = new URL(request.url);
          bindingCalls.push(`${request.method} ${url.pathname}`);
          if (authDown) throw new Error("the auth Worker is down");
          const res = await fetch(`${authUrl}${url.pathname}${url.search}`, { method: request.method, headers: Object.fromEntries(request.headers) });
          return new MiniflareResponse(await res.text(), { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "text/plain" } });
        },
      },
      // Anything else the Worker fetches is recorded and refused: it must need no other network.
      outboundService: (request) => (outboundCalls.push(request.url), new MiniflareResponse("no network", { status: 599 })),
    }),
  );
  cleanups.push(() => mf.dispose());
  const call: Call = async (method, path, authorization) => asAnswer(await mf.dispatchFetch(`http://api.test${path}`, init(method, authorization)));
  const down: Call = async (...args) => {
    authDown = true;
    try {
      return await call(...args);
    } finally {
      authDown = false;
    }
  };
  return { example: { name: "worker", call, down } satisfies Example, bindingCalls, outboundCalls };
}

/** The lines between `// #region NAME` and `// #endregion NAME` (the whole file without a name), common indentation removed. */
export function region(file: string, name?: string): string {
  const lines = readFileSync(file, "utf8").split("\n");
  let body = lines;
  if (name) {
    const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
    const end = lines.findIndex((l) => l.trim() === `// #endregion ${name}`);
    if (start < 0 || end < start) throw new Error(`${file} has no region ${name}`);
    body = lines.slice(start + 1, end);
  }
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return body.map((l) => l.slice(indent)).join("\n").trimEnd();
}
