import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { call, expectError, PROFILES, signIn, testEnv, uniqueIp, uniquePhone, useProfile, latestCode } from "./helpers";

/** A fresh Ed25519 key pair as JWKs (private with kid; public without d). */
async function newKey(kid: string): Promise<{ privateJwk: string; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid }), publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

const current = JSON.parse(testEnv.JWT_PRIVATE_JWK as string) as JWK & { kid: string; d: string };
const { d: _d, ...currentPublic } = current;

async function jwks(settings: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call("/.well-known/jwks.json", { settings, headers });
}

async function signInWith(settings: Record<string, string>): Promise<string> {
  const phone = uniquePhone();
  const ip = uniqueIp();
  expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
  const res = await call("/auth/verify-otp", { body: { phone, otp: await latestCode(phone) }, ip, settings });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe.each(PROFILES)("signing-key rotation ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("SES-08: the next key is published before it signs; after the switch old tokens verify until the old key is removed", async () => {
    const next = await newKey(`next-${crypto.randomUUID().slice(0, 8)}`);
    // Step 1: the next key is published, the current one still signs.
    const step1 = { JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify([next.publicJwk]) };
    const published = (await (await jwks(step1)).json()) as { keys: JWK[] };
    expect(published.keys.map((k) => k.kid)).toEqual([current.kid, next.publicJwk.kid]);
    expect(published.keys.every((k) => !("d" in k))).toBe(true);
    const oldToken = (await signIn()).token;
    expect(decodeProtectedHeader(oldToken).kid).toBe(current.kid);
    expect((await call("/auth/check-session", { token: oldToken, settings: step1 })).status).toBe(200);

    // Step 2: the next key signs; the previous one stays published and accepted.
    const step2 = { JWT_PRIVATE_JWK: next.privateJwk, JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify({ keys: [currentPublic] }) };
    const newToken = await signInWith(step2);
    expect(decodeProtectedHeader(newToken).kid).toBe(next.publicJwk.kid);
    expect((await call("/auth/check-session", { token: oldToken, settings: step2 })).status).toBe(200);
    expect((await call("/auth/check-session", { token: newToken, settings: step2 })).status).toBe(200);
    expect(((await (await jwks(step2)).json()) as { keys: JWK[] }).keys.map((k) => k.kid)).toEqual([next.publicJwk.kid, current.kid]);

    // Step 3: the previous key is removed: its tokens end at once; the new ones live on.
    const step3 = { JWT_PRIVATE_JWK: next.privateJwk };
    await expectError(await call("/auth/check-session", { token: oldToken, settings: step3 }), 401, "unauthorized");
    expect((await call("/auth/check-session", { token: newToken, settings: step3 })).status).toBe(200);
    // A token of a key that was never listed is refused too.
    await expectError(await call("/auth/check-session", { token: newToken }), 401, "unauthorized");
  });

  it("SES-08: the JWKS carries an ETag; If-None-Match gives 304 until the set changes", async () => {
    const first = await jwks({});
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    expect(first.headers.get("cache-control")).toBe("public, max-age=300");
    const again = await jwks({}, { "if-none-match": tag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const next = await newKey("etag-next");
    const changed = await jwks({ JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify([next.publicJwk]) }, { "if-none-match": tag! });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(tag);
  });

  it("SES-08: a private key, a repeated kid or a key of another type in JWT_ADDITIONAL_PUBLIC_JWKS is a configuration error (503), never silently used", async () => {
    const next = await newKey("bad-next");
    const settingsList = [
      { JWT_ADDITIONAL_PUBLIC_JWKS: next.privateJwk.replace(/^/, "[").replace(/$/, "]") },
      { JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify([currentPublic]) },
      { JWT_ADDITIONAL_PUBLIC_JWKS: JSON.stringify([{ kty: "RSA", n: "AQAB", e: "AQAB", kid: "rsa" }]) },
      { JWT_ADDITIONAL_PUBLIC_JWKS: "not json" },
    ];
    for (const settings of settingsList) {
      await expectError(await jwks(settings), 503, "service_misconfigured");
      await expectError(await call("/auth/check-session", { token: "x.y.z", settings }), 503, "service_misconfigured");
    }
  });
});
