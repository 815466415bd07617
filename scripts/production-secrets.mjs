#!/usr/bin/env node
// Fresh secrets for a production deploy, as the JSON object that
// `wrangler secret bulk` reads from stdin, so they go from here to Cloudflare
// without touching the disk:
//
//   node scripts/production-secrets.mjs | npx wrangler secret bulk --env=""
//   node scripts/production-secrets.mjs | npx wrangler secret bulk --env mongo
//   node scripts/production-secrets.mjs --only JWT_PRIVATE_JWK | npx wrangler secret bulk --env=""
//
// or one secret at a time, as the bare value `wrangler secret put` reads:
//
//   node scripts/production-secrets.mjs --value OTP_PEPPER | npx wrangler secret put OTP_PEPPER --env=""
//
// JWT_PRIVATE_JWK: a new Ed25519 key whose kid is `k-<date>-<random>` (dev
// keys are `dev-…`). OTP_PEPPER, PHONE_DATA_KEY, PIN_PEPPER: 32 random
// bytes, base64url. A Worker deployed before PIN_PEPPER existed adds it with
// `--only PIN_PEPPER`.
// Only the JSON goes to stdout; notes go to stderr.
import { generateProductionSecrets } from "./secrets.mjs";

const usage = "usage: node scripts/production-secrets.mjs [--only NAME[,NAME…] | --value NAME]";
const all = generateProductionSecrets();
let names = Object.keys(all);
const args = process.argv.slice(2);

// --value NAME: the bare value of one fresh secret, no newline, for `| wrangler secret put NAME`.
const valueAt = args.findIndex((a) => a === "--value" || a.startsWith("--value="));
if (valueAt !== -1) {
  const arg = args[valueAt];
  const name = arg === "--value" ? args[valueAt + 1] : arg.slice("--value=".length);
  if (!name || !Object.hasOwn(all, name) || args.length !== (arg === "--value" ? 2 : 1)) {
    console.error(`--value takes one of ${Object.keys(all).join(", ")}, alone\n${usage}`);
    process.exit(2);
  }
  process.stdout.write(all[name]);
  if (name === "JWT_PRIVATE_JWK") console.error(`signing key id: ${JSON.parse(all[name]).kid}`);
  process.exit(0);
}
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const only = arg === "--only" ? args[++i] : arg.startsWith("--only=") ? arg.slice("--only=".length) : null;
  if (arg === "--help" || arg === "-h") {
    console.error(usage);
    process.exit(0);
  }
  if (only === null || only === undefined) {
    console.error(`unknown argument ${arg}\n${usage}`);
    process.exit(2);
  }
  names = only.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !Object.hasOwn(all, n));
  if (unknown.length > 0 || names.length === 0) {
    console.error(`--only takes ${Object.keys(all).join(", ")}; got ${only}`);
    process.exit(2);
  }
}

const secrets = Object.fromEntries(names.map((n) => [n, all[n]]));
process.stdout.write(`${JSON.stringify(secrets, null, 2)}\n`);
if (names.includes("JWT_PRIVATE_JWK")) {
  const { kid } = JSON.parse(secrets.JWT_PRIVATE_JWK);
  console.error(`signing key id: ${kid}. Replacing the signing key of a running Worker ends every session (old tokens stop verifying).`);
}
if (names.includes("PIN_PEPPER")) {
  console.error("PIN_PEPPER keys every stored PIN hash: replacing it on a Worker whose users set PINs makes those PINs fail (they set new ones after signing in).");
}
if (names.includes("PHONE_DATA_KEY")) {
  console.error(
    "PHONE_DATA_KEY keys the phone blind index and encryption: putting a new one on a Worker that already has users orphans them. " +
      "To replace only the signing key or the pepper, use --only JWT_PRIVATE_JWK or --only OTP_PEPPER.",
  );
}
