import { runInDurableObject } from "cloudflare:test";
import { base64url, createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authenticate, rotateToken } from "../../src/domain/sessions";
import { AuthError } from "../../src/errors";
import { call, currentProfile, expectError, PROFILES, redisCommand, services, signIn, testEnv, useProfile } from "./helpers";

const privateJwk = JSON.parse(testEnv.JWT_PRIVATE_JWK as string) as JWK & { kid: string };
const ISS = "edge-phone-auth";
const AUD = "edge-phone-auth";

async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  opts: { iat?: number; exp?: number } = {},
): Promise<string> {
  const key = await importJWK(privateJwk, "EdDSA");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: "s", jti: "j", ...claims })
    .setProtectedHeader({ alg: "EdDSA", kid: privateJwk.kid, typ: "at+jwt", ...header })
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 3600)
    .sign(key);
}

/** A forged token for a real session, differing only by what the test changes. */
async function forgeFor(token: string, change: Record<string, unknown>, header: Record<string, unknown> = {}, opts: { iat?: number; exp?: number } = {}): Promise<string> {
  const claims = decodeJwt(token);
  return forge({ iss: ISS, aud: AUD, sub: claims.sub, sid: claims.sid, jti: claims.jti, ...change }, header, opts);
}

function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(payload)}.`;
}

async function hs256WithPublicKey(payload: Record<string, unknown>): Promise<string> {
  const secret = new TextEncoder().encode(privateJwk.x!);
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: privateJwk.kid, typ: "at+jwt" }).sign(secret);
}

const check = (token: string) => call("/auth/check-session", { token });

afterEach(() => {
  vi.restoreAllMocks();
});

async function storedSessions(userId: string, sessionId: string): Promise<string> {
  if (currentProfile().name === "upstash") {
    return JSON.stringify([await redisCommand(["GET", `session:${userId}:${sessionId}`]), await redisCommand(["ZRANGE", `user:sessions:${userId}`, 0, -1])]);
  }
  return runInDurableObject(testEnv.SESSION_VAULT.get(testEnv.SESSION_VAULT.idFromName(userId)), (_o, state) =>
    JSON.stringify([...state.storage.kv.list()]),
  );
}

describe.each(PROFILES)("sessions and tokens ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("SES-01: tokens are EdDSA JWTs with kid, published in the JWKS, and carry sub/sid/iss/aud/iat/exp (30 days)", async () => {
    const { token, expiresAt, user } = await signIn();
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: "EdDSA", kid: privateJwk.kid, typ: "at+jwt" });
    const jwks = (await (await call("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: privateJwk.kid, alg: "EdDSA", x: privateJwk.x });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    // An app backend verifies with the published keys alone.
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as { keys: JWK[] }), { issuer: ISS, audience: AUD, algorithms: ["EdDSA"] });
    expect(payload.sub).toBe(user.id);
    expect(typeof payload.sid).toBe("string");
    expect(payload.exp! - payload.iat!).toBe(30 * 24 * 3600);
    expect(new Date(expiresAt).getTime()).toBe(payload.exp! * 1000);
    expect((await check(token)).status).toBe(200);

    // Issuer, audience, type and expiry are all checked, with the right key.
    const now = Math.floor(Date.now() / 1000);
    for (const bad of [
      await forgeFor(token, { iss: "someone-else" }),
      await forgeFor(token, { aud: "another-app" }),
      await forgeFor(token, {}, { typ: "JWT" }),
      await forgeFor(token, {}, {}, { iat: now - 7200, exp: now - 3600 }),
    ]) {
      await expectError(await check(bad), 401, "unauthorized");
    }
  });

  it("SES-02: alg none, HS256 with the public key, wrong aud/iss, future iat, unknown kid, jku/x5u/jwk headers are refused without any fetch", async () => {
    const { token } = await signIn();
    const claims = decodeJwt(token);
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims };
    // Each attack with the reason our own checks give (logged, never returned):
    // a refusal for some other reason would mean the check named here is not the one working.
    const attacks: [string, string][] = [
      [unsigned({ alg: "none", typ: "at+jwt", kid: privateJwk.kid }, payload), "alg_mismatch"],
      [await hs256WithPublicKey(payload), "alg_mismatch"],
      [await forgeFor(token, { aud: "other" }), "ERR_JWT_CLAIM_VALIDATION_FAILED"],
      [await forgeFor(token, { iss: "other" }), "ERR_JWT_CLAIM_VALIDATION_FAILED"],
      [await forgeFor(token, {}, {}, { iat: now + 3600, exp: now + 7200 }), "issued_in_future"],
      [await forgeFor(token, {}, { kid: "unknown-kid" }), "unknown_kid"],
      [await forgeFor(token, {}, { jku: "https://attacker.example/jwks.json" }), "header_jku"],
      [await forgeFor(token, {}, { x5u: "https://attacker.example/cert.pem" }), "header_x5u"],
      [await forgeFor(token, {}, { jwk: { kty: "OKP", crv: "Ed25519", x: privateJwk.x } }), "header_jwk"],
      ["not-a-jwt", "malformed"],
      ["a.b.c", "malformed"],
    ];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    for (const [attack, reason] of attacks) {
      warn.mockClear();
      await expectError(await check(attack), 401, "unauthorized");
      const denials = warn.mock.calls
        .map((args) => JSON.parse(String(args[0])) as { event?: string; outcome?: string; reason?: string })
        .filter((e) => e.event === "session.checked");
      expect(denials).toEqual([expect.objectContaining({ outcome: "denied", reason })]);
    }
    warn.mockRestore();
    expect(fetchSpy).not.toHaveBeenCalled();
    // The genuine token still passes: the refusals above are about the attacks.
    expect((await check(token)).status).toBe(200);
  });

  it("SES-03: after logout, revocation or account deletion the same JWT gets 401 at once", async () => {
    const a = await signIn();
    expect((await call("/auth/logout", { method: "POST", token: a.token })).status).toBe(204);
    await expectError(await check(a.token), 401, "session_revoked");
    await expectError(await call("/auth/logout", { method: "POST", token: a.token }), 401, "session_revoked");

    const b = await signIn();
    const deps = await services();
    expect(await deps.sessions.revokeAll(b.user.id)).toBe(1);
    await expectError(await check(b.token), 401, "session_revoked");

    const c = await signIn();
    await testEnv.DB.prepare("DELETE FROM users WHERE id = ?").bind(c.user.id).run();
    await expectError(await check(c.token), 401, "session_revoked");
  });

  it("SES-04: renewing a token rotates it: the old token stops working, and only one of two concurrent renewals wins", async () => {
    const { token } = await signIn();
    const deps = await services();
    const auth = await authenticate(deps, `Bearer ${token}`);
    const [first, second] = await Promise.allSettled([rotateToken(deps, auth, null), rotateToken(deps, auth, null)]);
    const won = [first, second].filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = [first, second].find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((lost.reason as AuthError).code).toBe("session_revoked");
    const renewed = (won[0] as PromiseFulfilledResult<{ token: string }>).value.token;
    await expectError(await check(token), 401, "session_revoked");
    expect((await check(renewed)).status).toBe(200);
    expect(decodeJwt(renewed).sid).toBe(decodeJwt(token).sid);
  });

  it("SES-05: session ids and token ids are 128-bit CSPRNG values, and the store holds only hashes", async () => {
    const { token, user } = await signIn();
    const { sid, jti } = decodeJwt(token) as { sid: string; jti: string };
    expect(base64url.decode(sid)).toHaveLength(16);
    expect(base64url.decode(jti)).toHaveLength(16);
    const stored = await storedSessions(user.id, sid);
    expect(stored).toContain(sid);
    expect(stored).toContain(user.id);
    expect(stored).not.toContain(jti);
    expect(stored).not.toContain(token.split(".")[2]!);
    const other = await signIn();
    expect(decodeJwt(other.token).sid).not.toBe(sid);
  });
});
