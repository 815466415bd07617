// Generates fresh development secrets. Node-side helper (scripts/ and tests),
// never imported by the Worker.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

/** An Ed25519 private JWK with a kid, as JWT_PRIVATE_JWK expects. */
export function generateSigningJwk() {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  return { ...jwk, kid: `dev-${randomUUID().slice(0, 8)}`, alg: "EdDSA" };
}

export function generateSecret(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}

/** All secrets a fresh checkout needs, as name → value. */
export function generateDevSecrets() {
  return {
    JWT_PRIVATE_JWK: JSON.stringify(generateSigningJwk()),
    OTP_PEPPER: generateSecret(),
    PHONE_DATA_KEY: generateSecret(),
  };
}
