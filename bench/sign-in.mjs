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
import { startBridge } from "../tools/upstash-bridge/server.mjs";
import { findRedisServer, startRedisServer } from "../tools/upstash-bridge/redis-server.mjs";
import { expectAnswer, readOutboxCode, runBenchmark } from "./check.mjs";

const i = process.argv.indexOf("--n");
const N = i === -1 ? 40 : Number(process.argv[i + 1]);
if (!Number.isInteger(N) || N < 1) {
  console.error("--n must be a positive integer");
  process.exit(2);
}
const WARM_UP = 3;
const LIMITS = { IP_SEND_LIMIT: "10000", IP_VERIFY_LIMIT: "10000" };

/** Time until the whole answer is in, then check it. */
async function timed(send, check) {
  const t = performance.now();
  const res = await send();
  const body = await check(res);
  return [performance.now() - t, body];
}

function summary(name, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `  ${name.padEnd(22)} mean ${mean.toFixed(1).padStart(6)} ms  p50 ${p(0.5).toFixed(1).padStart(6)}  p95 ${p(0.95).toFixed(1).padStart(6)}  max ${s.at(-1).toFixed(1).padStart(6)}`;
}

/** One complete sign-in; returns the four timings. Throws on any unexpected answer. */
async function signIn(url) {
  const json = { "content-type": "application/json" };
  const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const [a] = await timed(
    () => fetch(`${url}/auth/request-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone }) }),
    (res) => expectAnswer("POST /auth/request-otp", res, 200, (b) => b?.status === "sent", 'status "sent"'),
  );
  const code = await readOutboxCode(url, phone);
  const [b, verified] = await timed(
    () => fetch(`${url}/auth/verify-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone, otp: code }) }),
    (res) => expectAnswer("POST /auth/verify-otp", res, 200, (v) => typeof v?.token === "string" && v.token.split(".").length === 3, "a token"),
  );
  const auth = { authorization: `Bearer ${verified.token}` };
  const [c] = await timed(
    () => fetch(`${url}/auth/check-session`, { headers: auth }),
    (res) => expectAnswer("GET /auth/check-session", res, 200, (v) => v?.valid === true, "valid: true"),
  );
  const [d] = await timed(
    () => fetch(`${url}/auth/logout`, { method: "POST", headers: auth }),
    (res) => expectAnswer("POST /auth/logout", res, 204),
  );
  return [a, b, c, d];
}

async function run(label, vars) {
  const server = await startWranglerDev({ vars: { ...LIMITS, ...vars } });
  const t = { "POST /auth/request-otp": [], "POST /auth/verify-otp": [], "GET /auth/check-session": [], "POST /auth/logout": [] };
  try {
    for (let k = 0; k < N + WARM_UP; k++) {
      const timings = await signIn(server.url).catch((err) => {
        err.message = `${label}, sign-in ${k + 1}: ${err.message}`;
        throw err;
      });
      // The first rounds warm the isolate and the objects.
      if (k >= WARM_UP) Object.values(t).forEach((xs, j) => xs.push(timings[j]));
    }
  } finally {
    await server.stop();
  }
  return [`${label} (n=${N} sequential sign-ins)`, ...Object.entries(t).map(([name, xs]) => summary(name, xs))];
}

await runBenchmark(async () => {
  const report = [];
  report.push(...(await run("embedded profile: Durable Objects + D1", {})));
  if (findRedisServer()) {
    const redis = await startRedisServer();
    const bridge = await startBridge({ redisPort: redis.port, token: "bench-token" });
    try {
      report.push(...(await run("upstash profile: local redis-server via REST bridge", { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: "bench-token" })));
    } finally {
      await bridge.close();
      await redis.stop();
    }
  } else {
    report.push("redis-server not installed: Upstash profile not measured");
  }
  console.log(report.join("\n"));
});
