/**
 * A local stand-in for Cloudflare Turnstile's siteverify endpoint that speaks
 * its wire format: POST /turnstile/v0/siteverify with `secret`, `response`,
 * optional `remoteip` and `idempotency_key`, sent as
 * application/x-www-form-urlencoded, multipart/form-data (what fetch sends for
 * a FormData body, as in Cloudflare's own example) or application/json. The
 * answer is always JSON:
 *   {"success": true, "challenge_ts": ISO, "hostname", "error-codes": [], "action", "cdata"}
 *   {"success": false, "error-codes": [...]}
 * with Cloudflare's codes: missing-input-secret, invalid-input-secret,
 * missing-input-response, invalid-input-response, timeout-or-duplicate,
 * bad-request. Like Cloudflare, a token is single use and lives 300 seconds;
 * a retry that repeats the first verification's idempotency_key gets the
 * first answer again instead of timeout-or-duplicate.
 *
 * Tokens only exist once minted, and only for the secret they were minted
 * for; a secret is known once a token was minted for it (or it was
 * registered): any other secret is invalid-input-secret.
 *
 * Control endpoints (test only):
 *   POST /__token   {"secret":"…","hostname":"auth.test","action":"request_otp","cdata":"…","ageSeconds":0}
 *                   → {"token":"…"}   (hostname defaults to "auth.test", action and
 *                   cdata to ""; ageSeconds backdates challenge_ts, > 300 is expired)
 *   POST /__secret  {"secret":"…"}  registers a secret without minting a token
 *   GET  /__verifications[?response=TOKEN] → {"count": n}: siteverify requests
 *                   received (all of them, or those carrying that token)
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { serveOnLoopback } from "./fake-server";

/** Cloudflare rejects a token older than this (seconds). */
export const TOKEN_LIFETIME_SECONDS = 300;
/** The longest token Cloudflare issues. */
export const MAX_TOKEN_LENGTH = 2048;

export interface FakeTurnstile {
  url: string;
  server: Server;
  close(): Promise<void>;
}

interface Token {
  secret: string;
  hostname: string;
  action: string;
  cdata: string;
  issuedAt: number;
  /** Set on the first successful verification. */
  redeemed?: { idempotencyKey: string | null; answer: Record<string, unknown> };
}

type Verdict = { status: number; body: Record<string, unknown> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function failure(...codes: string[]): Verdict {
  return { status: 200, body: { success: false, "error-codes": codes } };
}

const BAD_REQUEST: Verdict = { status: 400, body: { success: false, "error-codes": ["bad-request"] } };

/** The siteverify parameters, or null when the body is malformed or of a type Cloudflare does not take. */
async function parseParams(contentType: string, raw: Buffer): Promise<Map<string, unknown> | null> {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    try {
      const json = JSON.parse(raw.toString("utf8")) as unknown;
      if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
      return new Map(Object.entries(json));
    } catch {
      return null;
    }
  }
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") {
    try {
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
      const params = new Map<string, unknown>();
      form.forEach((value, key) => params.set(key, value));
      return params;
    } catch {
      return null;
    }
  }
  return null;
}

/** A free loopback port, never Redis's 6379 (the ephemeral range excludes it; this makes sure). */
export async function startFakeTurnstile(): Promise<FakeTurnstile> {
  const tokens = new Map<string, Token>();
  const secrets = new Set<string>();
  const verifications: string[] = [];

  async function siteverify(req: IncomingMessage, raw: Buffer): Promise<Verdict> {
    const params = await parseParams(req.headers["content-type"] ?? "", raw);
    verifications.push(typeof params?.get("response") === "string" ? (params.get("response") as string) : "");
    if (!params) return BAD_REQUEST;
    for (const name of ["secret", "response", "remoteip", "idempotency_key"]) {
      const value = params.get(name);
      if (value !== undefined && typeof value !== "string") return BAD_REQUEST;
    }
    const secret = (params.get("secret") as string | undefined) ?? "";
    const response = (params.get("response") as string | undefined) ?? "";
    const idempotencyKey = (params.get("idempotency_key") as string | undefined) || null;
    if (idempotencyKey !== null && !UUID.test(idempotencyKey)) return BAD_REQUEST;

    const missing = [...(secret ? [] : ["missing-input-secret"]), ...(response ? [] : ["missing-input-response"])];
    if (missing.length) return failure(...missing);
    if (!secrets.has(secret)) return failure("invalid-input-secret");

    const token = response.length <= MAX_TOKEN_LENGTH ? tokens.get(response) : undefined;
    if (!token || token.secret !== secret) return failure("invalid-input-response");
    if (token.redeemed) {
      // Cloudflare's idempotency: the same key as the first verification
      // replays its answer; anything else is a replayed token.
      if (idempotencyKey !== null && token.redeemed.idempotencyKey === idempotencyKey) {
        return { status: 200, body: token.redeemed.answer };
      }
      return failure("timeout-or-duplicate");
    }
    if (Date.now() - token.issuedAt > TOKEN_LIFETIME_SECONDS * 1000) return failure("timeout-or-duplicate");

    const answer = {
      success: true,
      challenge_ts: new Date(token.issuedAt).toISOString(),
      hostname: token.hostname,
      "error-codes": [],
      action: token.action,
      cdata: token.cdata,
    };
    token.redeemed = { idempotencyKey, answer };
    return { status: 200, body: answer };
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);

    if (url.pathname === "/__token" && req.method === "POST") {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: "token request must be JSON" });
      }
      const { secret, hostname = "auth.test", action = "", cdata = "", ageSeconds = 0 } = body;
      if (typeof secret !== "string" || !secret) return send(res, 400, { error: "secret is required" });
      if (typeof hostname !== "string" || typeof action !== "string" || typeof cdata !== "string" || typeof ageSeconds !== "number") {
        return send(res, 400, { error: "hostname, action and cdata are strings; ageSeconds is a number" });
      }
      secrets.add(secret);
      const token = `0.${randomBytes(96).toString("base64url")}`;
      tokens.set(token, { secret, hostname, action, cdata, issuedAt: Date.now() - ageSeconds * 1000 });
      return send(res, 200, { token });
    }
    if (url.pathname === "/__secret" && req.method === "POST") {
      let secret: unknown;
      try {
        secret = (JSON.parse(raw.toString("utf8")) as { secret?: unknown }).secret;
      } catch {
        return send(res, 400, { error: "secret request must be JSON" });
      }
      if (typeof secret !== "string" || !secret) return send(res, 400, { error: "secret is required" });
      secrets.add(secret);
      return send(res, 204, {});
    }
    if (url.pathname === "/__verifications" && req.method === "GET") {
      const response = url.searchParams.get("response");
      const count = response === null ? verifications.length : verifications.filter((t) => t === response).length;
      return send(res, 200, { count });
    }

    if (url.pathname !== "/turnstile/v0/siteverify") return send(res, 404, { success: false, "error-codes": ["bad-request"] });
    if (req.method !== "POST") return send(res, 405, { success: false, "error-codes": ["bad-request"] });
    const verdict = await siteverify(req, raw);
    return send(res, verdict.status, verdict.body);
  });

  return serveOnLoopback(server);
}
