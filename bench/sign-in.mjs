#!/usr/bin/env node
// Latency of the sign-in endpoints under `wrangler dev` (local workerd), for
// the embedded profile and, when redis-server is installed, the Upstash
// profile through the local bridge. Prints mean/p50/p95/max per endpoint for
// N sequential sign-ins (request-otp, verify-otp, check-session, logout).
// Local figures: they compare profiles and catch regressions; production
// latency also includes the network to Upstash/Atlas.
//
// Every timed answer is checked (status and its essential body field); the
// first unexpected one stops the run with the step, status and error code,
// and no figures are printed. Figures are printed only after every profile
// has completed.
//
//   npm run bench:sign-in [-- --n 40]
import { startWranglerDev } from "../tools/wrangler-dev.mjs";
import { runBenchmark } from "./check.mjs";
import { BENCH_LIMITS, forEachProfile, freshPhone, ourClient } from "./our-server.mjs";

const i = process.argv.indexOf("--n");
const N = i === -1 ? 40 : Number(process.argv[i + 1]);
if (!Number.isInteger(N) || N < 1) {
  console.error("--n must be a positive integer");
  process.exit(2);
}
const WARM_UP = 3;
const STEPS = ["POST /auth/request-otp", "POST /auth/verify-otp", "GET /auth/check-session", "POST /auth/logout"];

/** Time until the whole answer is in and checked. */
async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

function summary(name, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `  ${name.padEnd(22)} mean ${mean.toFixed(1).padStart(6)} ms  p50 ${p(0.5).toFixed(1).padStart(6)}  p95 ${p(0.95).toFixed(1).padStart(6)}  max ${s.at(-1).toFixed(1).padStart(6)}`;
}

/** One complete sign-in; returns the four timings. Throws on any unexpected answer. */
async function signIn(client) {
  const phone = freshPhone();
  const [a] = await timed(() => client.requestOtp(phone));
  const code = await client.readCode(phone);
  const [b, token] = await timed(() => client.verifyOtp(phone, code));
  const [c] = await timed(() => client.checkSession(token));
  const [d] = await timed(() => client.logout(token));
  return [a, b, c, d];
}

async function run({ label, vars }) {
  const server = await startWranglerDev({ vars: { ...BENCH_LIMITS, ...vars } });
  const client = ourClient(server.url);
  const t = STEPS.map(() => []);
  try {
    for (let k = 0; k < N + WARM_UP; k++) {
      const timings = await signIn(client).catch((err) => {
        err.message = `${label}, sign-in ${k + 1}: ${err.message}`;
        throw err;
      });
      // The first rounds warm the isolate and the objects.
      if (k >= WARM_UP) t.forEach((xs, j) => xs.push(timings[j]));
    }
  } finally {
    await server.stop();
  }
  return [`${label} (n=${N} sequential sign-ins)`, ...STEPS.map((name, j) => summary(name, t[j]))];
}

await runBenchmark(async () => {
  const profiles = await forEachProfile(run);
  console.log(profiles.flatMap((p) => ("result" in p ? p.result : [p.note])).join("\n"));
});
