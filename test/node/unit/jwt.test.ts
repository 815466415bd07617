/**
 * SES-01/SES-02 at the unit level: verifyAccessToken refuses each attack
 * for the reason our own checks give, not only because the JWT library's
 * defaults happen to refuse it. The library is wrapped (not replaced) so the
 * test can also see that the algorithm list handed to it is pinned.
 */
import * as jose from "jose";
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { beforeEach, expect, it, vi } from "vitest";
import { loadSigningKey, signAccessToken, TOKEN_TYPE, TokenError, verifyAccessToken, type SigningKey } from "../../../src/lib/jwt";
import { freshPrivateJwk } from "./memory-deps";

vi.mock("jose", async (importOriginal) => {
  const actual = await importOriginal<typeof import("jose")>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});
const jwtVerifySpy = vi.mocked(jose.jwtVerify);

const opts = { issuer: "edge-phone-auth", audience: "edge-phone-auth" };
const NOW = 1_800_000_000;

interface Fixtures {
  ed: SigningKey;
  edJwk: JWK & { kid: string; x: string };
  es: SigningKey;
  esJwk: JWK & { kid: string };
}
let fixtures: Promise<Fixtures> | undefined;

/**
 * Keys made on first use inside a test, not in beforeAll: an error there
 * must fail the test (StrykerJS reports tests skipped by a failed
 * file-level hook as passing).
 */
function keys(): Promise<Fixtures> {
  fixtures ??= (async () => {
    const edJson = await freshPrivateJwk("EdDSA");
    const esJson = await freshPrivateJwk("ES256");
    return {
      ed: await loadSigningKey(edJson),
      es: await loadSigningKey(esJson),
      edJwk: JSON.parse(edJson) as Fixtures["edJwk"],
      esJwk: JSON.parse(esJson) as Fixtures["esJwk"],
    };
  })();
  return fixtures;
}

beforeEach(() => {
  jwtVerifySpy.mockClear();
});

const claims = { sub: "user-1", sid: "session-1", jti: "jti-1", iat: NOW, exp: NOW + 3600, auth_time: NOW - 60, amr: ["sms"] };
/** What verification gives back: the identity claims (auth_time and amr are for offline verifiers). */
const { auth_time: _authTime, amr: _amr, ...verified } = claims;

/** A token with our claims, signed by `key` under the header given. */
async function token(
  key: jose.CryptoKey | Uint8Array,
  header: jose.JWTHeaderParameters,
  change: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ ...claims, iss: opts.issuer, aud: opts.audience, ...change })
    .setProtectedHeader(header)
    .sign(key);
}

async function reasonOf(keys: readonly SigningKey[], jwt: string, now = NOW): Promise<string> {
  const err = await verifyAccessToken(keys, opts, jwt, now).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  const { reason, name, message } = err as TokenError;
  expect([name, message]).toEqual(["TokenError", `token rejected: ${reason}`]);
  return reason;
}

const unsigned = (header: Record<string, unknown>): string =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify({ ...claims, iss: opts.issuer, aud: opts.audience }))}.`;

it("SES-01: our own tokens verify, for both key types, and give back their claims", async () => {
  const { ed, edJwk, es } = await keys();
  for (const key of [ed, es]) {
    const jwt = await signAccessToken(key, opts, claims);
    // RFC 9068 access-token type, spelled out (not read back from the module).
    expect(jose.decodeProtectedHeader(jwt)).toEqual({ alg: key.alg, kid: key.kid, typ: "at+jwt" });
    const { auth_time: authTime, amr, ...identity } = claims;
    expect(await verifyAccessToken([key], opts, jwt, NOW)).toEqual(identity);
    // RFC 8176 amr and the authentication time ride along for offline verifiers.
    expect(jose.decodeJwt(jwt)).toMatchObject({ auth_time: authTime, amr });
  }
  expect(ed.alg).toBe("EdDSA");
  expect(es.alg).toBe("ES256");
  expect(ed.publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: edJwk.x, kid: edJwk.kid, alg: "EdDSA", use: "sig" });
  expect(es.publicJwk).not.toHaveProperty("d");
});

it("SES-02: a token whose alg is not its key's alg is refused by our own check (reason alg_mismatch)", async () => {
  const { ed, edJwk, es, esJwk } = await keys();
  // alg none, HS256 keyed with the public key, the other asymmetric
  // algorithm, and EdDSA's other name all claim our key's kid.
  const esKey = (await jose.importJWK(esJwk, "ES256")) as jose.CryptoKey;
  const edKey = (await jose.importJWK(edJwk, "EdDSA")) as jose.CryptoKey;
  const edAsEd25519 = (await jose.importJWK(edJwk, "Ed25519")) as jose.CryptoKey;
  const attacks: [readonly SigningKey[], string][] = [
    [[ed], unsigned({ alg: "none", kid: ed.kid, typ: TOKEN_TYPE })],
    [[ed], await token(new TextEncoder().encode(edJwk.x), { alg: "HS256", kid: ed.kid, typ: TOKEN_TYPE })],
    [[ed], await token(esKey, { alg: "ES256", kid: ed.kid, typ: TOKEN_TYPE })],
    [[ed], await token(edAsEd25519, { alg: "Ed25519", kid: ed.kid, typ: TOKEN_TYPE })],
    [[es], await token(edKey, { alg: "EdDSA", kid: es.kid, typ: TOKEN_TYPE })],
    [[es], await token(new TextEncoder().encode(JSON.stringify(es.publicJwk)), { alg: "HS256", kid: es.kid, typ: TOKEN_TYPE })],
    [[ed, es], await token(esKey, { alg: "ES256", kid: ed.kid, typ: TOKEN_TYPE })],
  ];
  for (const [keys, jwt] of attacks) {
    expect(await reasonOf(keys, jwt)).toBe("alg_mismatch");
  }
});

it("SES-01: the algorithm list handed to the JWT library is pinned to the key's own algorithm", async () => {
  const { ed, es } = await keys();
  for (const key of [ed, es]) {
    jwtVerifySpy.mockClear();
    await verifyAccessToken([key], opts, await signAccessToken(key, opts, claims), NOW);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(1);
    const options = jwtVerifySpy.mock.calls[0]![2]!;
    expect(options.algorithms).toEqual([key.alg]);
    expect(options).toMatchObject({ issuer: opts.issuer, audience: opts.audience, typ: TOKEN_TYPE });
  }
});

it("SES-02: unknown kid, key-pointing headers, oversize and malformed tokens are refused before any signature check", async () => {
  const { ed, edJwk } = await keys();
  const edKey = (await jose.importJWK(edJwk, "EdDSA")) as jose.CryptoKey;
  const h = { alg: "EdDSA", kid: ed.kid, typ: TOKEN_TYPE };
  expect(await reasonOf([ed], await token(edKey, { ...h, kid: "someone-else" }))).toBe("unknown_kid");
  expect(await reasonOf([ed], await token(edKey, { alg: "EdDSA", typ: TOKEN_TYPE }))).toBe("unknown_kid");
  expect(await reasonOf([ed], await token(edKey, { ...h, jku: "https://attacker.example/jwks.json" }))).toBe("header_jku");
  expect(await reasonOf([ed], await token(edKey, { ...h, x5u: "https://attacker.example/cert.pem" }))).toBe("header_x5u");
  expect(await reasonOf([ed], await token(edKey, { ...h, jwk: ed.publicJwk }))).toBe("header_jwk");
  expect(await reasonOf([ed], await token(edKey, { ...h, x5c: ["MIIB"] }))).toBe("header_x5c");
  expect(await reasonOf([ed], "a".repeat(4097))).toBe("too_long");
  expect(await reasonOf([ed], "a".repeat(4096))).toBe("malformed");
  expect(await reasonOf([ed], "not-a-jwt")).toBe("malformed");
  expect(jwtVerifySpy).not.toHaveBeenCalled();
});

it("SES-01/SES-02: issuer, audience, type, expiry, issue time, signature and claim types are all checked", async () => {
  const { ed, edJwk } = await keys();
  const edKey = (await jose.importJWK(edJwk, "EdDSA")) as jose.CryptoKey;
  const h = { alg: "EdDSA", kid: ed.kid, typ: TOKEN_TYPE };
  const good = await token(edKey, h);
  expect(await verifyAccessToken([ed], opts, good, NOW)).toEqual(verified);
  expect(await reasonOf([ed], await token(edKey, h, { iss: "other" }))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  expect(await reasonOf([ed], await token(edKey, h, { aud: "other" }))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  expect(await reasonOf([ed], await token(edKey, { ...h, typ: "JWT" }))).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  expect(await reasonOf([ed], await token(edKey, h, { sid: 42 }))).toBe("claim_types");
  expect(await reasonOf([ed], await token(edKey, h, { jti: 42 }))).toBe("claim_types");
  expect(await reasonOf([ed], await token(edKey, h, { sub: 42 }))).toBe("claim_types");
  // Expiry with 5 s of tolerance, on the caller's clock.
  expect(await verifyAccessToken([ed], opts, good, claims.exp + 4)).toEqual(verified);
  expect(await reasonOf([ed], good, claims.exp + 5)).toBe("ERR_JWT_EXPIRED");
  // Issued in the future (more than the tolerance).
  expect(await verifyAccessToken([ed], opts, await token(edKey, h, { iat: NOW + 5 }), NOW)).toMatchObject({ iat: NOW + 5 });
  expect(await reasonOf([ed], await token(edKey, h, { iat: NOW + 6 }))).toBe("issued_in_future");
  // A valid signature under another key with our kid.
  const { privateKey: stranger } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  expect(await reasonOf([ed], await token(stranger, h))).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  // A required claim missing.
  const noJti = await new SignJWT({ sid: "s" }).setProtectedHeader(h).setSubject("u").setIssuer(opts.issuer).setAudience(opts.audience).setIssuedAt(NOW).setExpirationTime(NOW + 60).sign(edKey);
  expect(await reasonOf([ed], noJti)).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
});

it("SES-02: a failure inside the JWT library without an error code is still a refusal (reason invalid)", async () => {
  const { ed } = await keys();
  const jwt = await signAccessToken(ed, opts, claims);
  jwtVerifySpy.mockRejectedValueOnce(new TypeError("boom"));
  expect(await reasonOf([ed], jwt)).toBe("invalid");
  jwtVerifySpy.mockRejectedValueOnce("not an Error");
  expect(await reasonOf([ed], jwt)).toBe("invalid");
  expect(await verifyAccessToken([ed], opts, jwt, NOW)).toEqual(verified);
});

it("SES-01: the private JWK must be Ed25519 or P-256 with a kid and d, and its errors never echo it", async () => {
  const { ed, edJwk } = await keys();
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const rsa = JSON.stringify({ ...(await exportJWK(privateKey)), kid: "r" });
  const publicOnly = JSON.stringify({ ...ed.publicJwk });
  const noKid = JSON.stringify({ ...edJwk, kid: undefined });
  const emptyKid = JSON.stringify({ ...edJwk, kid: "" });
  // Curves next to the allowed ones: X25519 (OKP, not a signing curve) and P-384 (EC).
  const x25519 = JSON.stringify({ ...(await exportJWK((await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true })).privateKey)), kid: "x" });
  const p384 = JSON.stringify({ ...(await exportJWK((await generateKeyPair("ES384", { extractable: true })).privateKey)), kid: "p" });
  const unsupported = /Ed25519 \(OKP\) or P-256 \(EC\)/;
  const cases: [string, RegExp][] = [
    ["{not json d=SECRET", /not valid JSON/],
    [rsa, unsupported],
    [x25519, unsupported],
    [p384, unsupported],
    [JSON.stringify({ ...JSON.parse(p384), crv: "Ed25519" }), unsupported],
    [JSON.stringify({ ...edJwk, crv: "P-256" }), unsupported],
    [emptyKid, /needs a kid/],
    [publicOnly, /must be a private key/],
    [noKid, /needs a kid/],
  ];
  for (const [json, message] of cases) {
    const err = await loadSigningKey(json).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain("SECRET");
  }
  // A good key is imported once per isolate; a key that failed is not kept as a failure.
  expect(await loadSigningKey(JSON.stringify(edJwk))).toBe(await loadSigningKey(JSON.stringify(edJwk)));
  const failed = loadSigningKey(rsa);
  await failed.catch(() => undefined);
  expect(loadSigningKey(rsa)).not.toBe(failed);
});
