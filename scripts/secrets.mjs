// Generates fresh secrets: development ones for `npm run dev` and the tests,
// production ones for scripts/production-secrets.mjs. Node-side helper
// (scripts/ and tests), never imported by the Worker.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

/**
 * An Ed25519 private JWK with a kid, as JWT_PRIVATE_JWK expects.
 * @param {{ kid?: string }} [options] default kid: `dev-` and 8 random hex digits
 */
export function generateSigningJwk({ kid = `dev-${randomUUID().slice(0, 8)}` } = {}) {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  return { ...jwk, kid, alg: "EdDSA" };
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
    PIN_PEPPER: generateSecret(),
  };
}

/**
 * Key id of a production signing key: `k-YYYY-MM-DD-` and 8 random hex
 * digits. Never `dev-…`, so a development key is recognisable anywhere.
 * @param {Date} [now]
 */
export function productionKid(now = new Date()) {
  return `k-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
}

/**
 * The generated secrets of a production deploy, as name → value.
 * @param {{ now?: Date }} [options]
 */
export function generateProductionSecrets({ now = new Date() } = {}) {
  return {
    JWT_PRIVATE_JWK: JSON.stringify(generateSigningJwk({ kid: productionKid(now) })),
    OTP_PEPPER: generateSecret(),
    PHONE_DATA_KEY: generateSecret(),
    PIN_PEPPER: generateSecret(),
  };
}
