#!/usr/bin/env node
// Smoke check of the benchmark peer: starts it (installing its dependencies
// on first use), runs 3 complete sign-ins step by step, prints OK, stops it.
//   node bench/peers/better-auth-worker/smoke.mjs
import { startBetterAuthPeer } from "./peer.mjs";

const started = Date.now();
const peer = await startBetterAuthPeer();
console.log(`peer up at ${peer.url} (wrangler pid ${peer.pid}) in ${Date.now() - started} ms`);
try {
  const { client } = peer;
  await client.healthz();
  for (let k = 1; k <= 3; k++) {
    const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    await client.requestOtp(phone);
    const code = await client.readCode(phone);
    const token = await client.verifyOtp(phone, code);
    await client.checkSession(token);
    console.log(`flow ${k}: ${phone} signed up, code ${code}, session checked`);
  }
  console.log("OK");
} catch (err) {
  console.error(`FAILED: ${err?.message ?? err}\n--- wrangler output ---\n${peer.log()}`);
  process.exitCode = 1;
} finally {
  await peer.stop();
}
