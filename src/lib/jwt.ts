import {
  decodeProtectedHeader,
  exportJWK,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey as JoseKey,
  type JWK,
} from "jose";

/**
 * Access tokens: asymmetric JWTs (EdDSA/Ed25519 or ES256) with a `kid`,
 * verified with a pinned algorithm and the issuer, audience, type and expiry
 * checked (SES-01). Keys come from one private JWK secret; its public half is
 * served at /.well-known/jwks.json.
 */

export const TOKEN_TYPE = "at+jwt";

export interface TokenClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/** A key that verifies tokens: the signing key, or one listed in JWT_ADDITIONAL_PUBLIC_JWKS. */
export interface VerificationKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  publicKey: JoseKey;
  publicJwk: JWK;
}

export interface SigningKey extends VerificationKey {
  privateKey: JoseKey;
}

export class TokenError extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
    this.name = "TokenError";
  }
}

const keyCache = new Map<string, Promise<SigningKey>>();

/** Imports the private JWK (once per isolate) and derives its public JWK. */
export function loadSigningKey(privateJwkJson: string): Promise<SigningKey> {
  let key = keyCache.get(privateJwkJson);
  if (!key) {
    key = importSigningKey(privateJwkJson);
    key.catch(() => keyCache.delete(privateJwkJson));
    keyCache.set(privateJwkJson, key);
  }
  return key;
}

async function importSigningKey(json: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(json) as JWK;
  } catch {
    // The parser's message quotes the input, which is a secret: drop it.
    throw new Error("JWT_PRIVATE_JWK is not valid JSON");
  }
  const alg = algOf(jwk);
  if (!alg) throw new Error("JWT_PRIVATE_JWK must be an Ed25519 (OKP) or P-256 (EC) key");
  if (typeof jwk.kid !== "string" || jwk.kid.length === 0) throw new Error("JWT_PRIVATE_JWK needs a kid");
  if (typeof jwk.d !== "string") throw new Error("JWT_PRIVATE_JWK must be a private key");
  const { d: _d, ...publicPart } = jwk;
  const privateKey = (await importJWK({ ...jwk, alg }, alg)) as JoseKey;
  const publicKey = (await importJWK({ ...publicPart, alg }, alg)) as JoseKey;
  const exported = await exportJWK(publicKey);
  const publicJwk: JWK = { ...exported, kid: jwk.kid, alg, use: "sig" };
  return { kid: jwk.kid, alg, privateKey, publicKey, publicJwk };
}

function algOf(jwk: JWK): "EdDSA" | "ES256" | null {
  return jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : jwk.kty === "EC" && jwk.crv === "P-256" ? "ES256" : null;
}

const publicCache = new Map<string, Promise<VerificationKey[]>>();

/**
 * Imports JWT_ADDITIONAL_PUBLIC_JWKS (once per isolate): a JSON array of
 * public JWKs, or a JWK set `{"keys": [...]}`. These keys are published and
 * accept tokens but never sign (SES-08): the next key before it signs, the
 * previous one until its tokens expire. A private member is refused: only
 * the signing key's secret may hold one.
 */
export function loadAdditionalPublicKeys(json: string | null): Promise<VerificationKey[]> {
  if (!json) return Promise.resolve([]);
  let keys = publicCache.get(json);
  if (!keys) {
    keys = importPublicKeys(json);
    keys.catch(() => publicCache.delete(json));
    publicCache.set(json, keys);
  }
  return keys;
}

async function importPublicKeys(json: string): Promise<VerificationKey[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("JWT_ADDITIONAL_PUBLIC_JWKS is not valid JSON");
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error("JWT_ADDITIONAL_PUBLIC_JWKS must be an array of JWKs or {\"keys\": [...]}");
  return Promise.all(
    list.map(async (item: unknown, i) => {
      const jwk = item as JWK;
      const alg = typeof item === "object" && item !== null ? algOf(jwk) : null;
      if (!alg) throw new Error(`JWT_ADDITIONAL_PUBLIC_JWKS[${i}] must be an Ed25519 (OKP) or P-256 (EC) key`);
      if (typeof jwk.kid !== "string" || jwk.kid.length === 0) throw new Error(`JWT_ADDITIONAL_PUBLIC_JWKS[${i}] needs a kid`);
      if ("d" in jwk) throw new Error(`JWT_ADDITIONAL_PUBLIC_JWKS[${i}] holds a private key; publish public keys only`);
      const publicKey = (await importJWK({ ...jwk, alg }, alg)) as JoseKey;
      const exported = await exportJWK(publicKey);
      return { kid: jwk.kid, alg, publicKey, publicJwk: { ...exported, kid: jwk.kid, alg, use: "sig" } };
    }),
  );
}

/** The signing key first, then the additional public keys; a kid listed twice is a configuration error. */
export async function loadVerificationKeys(signing: SigningKey, additionalJson: string | null): Promise<VerificationKey[]> {
  const keys = [signing, ...(await loadAdditionalPublicKeys(additionalJson))];
  const kids = new Set(keys.map((k) => k.kid));
  if (kids.size !== keys.length) throw new Error("JWT_ADDITIONAL_PUBLIC_JWKS repeats a kid (or the signing key's kid)");
  return keys;
}

export interface TokenOptions {
  issuer: string;
  audience: string;
}

export async function signAccessToken(
  key: SigningKey,
  opts: TokenOptions,
  claims: { sub: string; sid: string; jti: string; iat: number; exp: number; auth_time: number; amr: string[] },
): Promise<string> {
  // auth_time and amr (RFC 8176) let a backend verifying offline apply its own freshness rules.
  return new SignJWT({ sid: claims.sid, auth_time: claims.auth_time, amr: claims.amr })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYPE })
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key.privateKey);
}

// Header parameters that point at other keys. A verifier that honoured them
// would let the token choose its own key (RFC 8725 3.10); we refuse them.
const FORBIDDEN_HEADERS = ["jku", "x5u", "jwk", "x5c"] as const;
const MAX_TOKEN_LENGTH = 4096;

/**
 * Verifies a bearer token against our own keys only; never fetches anything.
 * Throws TokenError with an internal reason (logged, not returned).
 */
export async function verifyAccessToken(
  keys: readonly VerificationKey[],
  opts: TokenOptions,
  token: string,
  nowSeconds: number,
): Promise<TokenClaims> {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError("too_long");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenError("malformed");
  }
  for (const h of FORBIDDEN_HEADERS) if (h in header) throw new TokenError(`header_${h}`);
  const key = keys.find((k) => k.kid === header.kid);
  if (!key) throw new TokenError("unknown_kid");
  if (header.alg !== key.alg) throw new TokenError("alg_mismatch");
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [key.alg],
      issuer: opts.issuer,
      audience: opts.audience,
      typ: TOKEN_TYPE,
      currentDate: new Date(nowSeconds * 1000),
      requiredClaims: ["sub", "sid", "jti", "iat", "exp"],
      clockTolerance: 5,
    });
    if (payload.iat! > nowSeconds + 5) throw new TokenError("issued_in_future");
    const { sub, sid, jti, iat, exp } = payload;
    if (typeof sub !== "string" || typeof sid !== "string" || typeof jti !== "string") {
      throw new TokenError("claim_types");
    }
    return { sub, sid, jti, iat: iat!, exp: exp! };
  } catch (err) {
    if (err instanceof TokenError) throw err;
    const code = err instanceof Error && "code" in err ? String(err.code) : "invalid";
    throw new TokenError(code);
  }
}
