#!/usr/bin/env node
// Latency of the sign-in endpoints under `wrangler dev` (local workerd), for
// the embedded profile and, when redis-server is installed, the Upstash
// profile through the local bridge. Prints mean/p50/p95/max per endpoint for
// N sequential sign-ins (request-otp, verify-otp, check-session, logout).
// Local figures: they compare profiles and catch regressions; production
// latency also includes the network to Upstash/Atlas.
//
//   npm run bench:sign-in [-- --n 40]
import { startWranglerDev } from "../tools/wrangler-dev.mjs";
import { startBridge } from "../tools/upstash-bridge/server.mjs";
import { findRedisServer, startRedisServer } from "../tools/upstash-bridge/redis-server.mjs";

const i = process.argv.indexOf("--n");
const N = i === -1 ? 40 : Number(process.argv[i + 1]);
const LIMITS = { IP_SEND_LIMIT: "10000", IP_VERIFY_LIMIT: "10000" };

async function timed(fn) {
  const t = performance.now();
  const res = await fn();
  return [performance.now() - t, res];
}

function summary(name, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `  ${name.padEnd(22)} mean ${mean.toFixed(1).padStart(6)} ms  p50 ${p(0.5).toFixed(1).padStart(6)}  p95 ${p(0.95).toFixed(1).padStart(6)}  max ${s.at(-1).toFixed(1).padStart(6)}`;
}

async function run(label, vars) {
  const server = await startWranglerDev({ vars: { ...LIMITS, ...vars } });
  const t = { "POST /auth/request-otp": [], "POST /auth/verify-otp": [], "GET /auth/check-session": [], "POST /auth/logout": [] };
  const json = { "content-type": "application/json" };
  try {
    for (let k = 0; k < N + 3; k++) {
      const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
      const [a, r1] = await timed(() => fetch(`${server.url}/auth/request-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone }) }));
      if (r1.status !== 200) throw new Error(`request-otp ${r1.status}`);
      const outbox = await (await fetch(`${server.url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json();
      const code = /\b(\d{6})\b/.exec(outbox.messages[0].body)[1];
      const [b, r2] = await timed(() => fetch(`${server.url}/auth/verify-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone, otp: code }) }));
      const { token } = await r2.json();
      const auth = { authorization: `Bearer ${token}` };
      const [c, r3] = await timed(() => fetch(`${server.url}/auth/check-session`, { headers: auth }));
      await r3.arrayBuffer();
      const [d] = await timed(() => fetch(`${server.url}/auth/logout`, { method: "POST", headers: auth }));
      if (k >= 3) {
        // The first three rounds warm the isolate and the objects.
        t["POST /auth/request-otp"].push(a);
        t["POST /auth/verify-otp"].push(b);
        t["GET /auth/check-session"].push(c);
        t["POST /auth/logout"].push(d);
      }
    }
    console.log(`${label} (n=${N} sequential sign-ins)`);
    for (const [name, xs] of Object.entries(t)) console.log(summary(name, xs));
  } finally {
    await server.stop();
  }
}

await run("embedded profile: Durable Objects + D1", {});
if (findRedisServer()) {
  const redis = await startRedisServer();
  const bridge = await startBridge({ redisPort: redis.port, token: "bench-token" });
  try {
    await run("upstash profile: local redis-server via REST bridge", { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: "bench-token" });
  } finally {
    await bridge.close();
    await redis.stop();
  }
} else {
  console.log("redis-server not installed: Upstash profile not measured");
}
