#!/usr/bin/env node
// Moves every stored phone number to the current key of PHONE_DATA_KEYS by
// calling the Worker's maintenance route until nothing is left:
//
//   ADMIN_TOKEN=… npm run reencrypt -- https://auth.example.com
//
// Each call re-encrypts up to 40 numbers (compare-and-set per user). Exits
// 0 when every number is under the current key, 1 when some are under a key
// no longer configured (put it back in PHONE_DATA_KEYS) or a call failed.
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { "max-calls": { type: "string", default: "10000" } } });
const base = positionals[0] ?? process.env.PUBLIC_URL;
const token = process.env.ADMIN_TOKEN;
if (!base || !token) {
  console.error("usage: ADMIN_TOKEN=… npm run reencrypt -- <base URL of the Worker>");
  process.exit(2);
}
const url = new URL("/admin/reencrypt-phones", base);
// The token is a bearer secret: never over plain HTTP, except to this machine (`npm run dev`).
if (url.protocol !== "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
  console.error(`refusing to send ADMIN_TOKEN over ${url.protocol} to ${url.hostname}: use https`);
  process.exit(2);
}
const totals = { moved: 0, skipped: 0, failed: 0 };
let keyId = "?";
for (let call = 1; call <= Number(values["max-calls"]); call++) {
  const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const body = await res.json().catch(() => null);
  if (!res.ok || !body) {
    console.error(`call ${call}: HTTP ${res.status} ${body?.error?.code ?? ""}`.trim());
    process.exit(1);
  }
  keyId = body.keyId;
  totals.moved += body.moved;
  totals.skipped += body.skipped;
  // Unreadable numbers are reported by every call: the last call's count is the total.
  totals.failed = body.failed;
  if (!body.remaining) break;
  // A call that moved nothing made no progress (numbers under a dropped key fill its batch): stop and say so.
  if (body.moved === 0 && body.skipped === 0) break;
}
console.log(JSON.stringify({ keyId, ...totals }));
if (totals.failed > 0) {
  console.error(`${totals.failed} number(s) are under a key id no longer in PHONE_DATA_KEYS: put that key back and run again`);
  process.exit(1);
}
