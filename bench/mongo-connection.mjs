#!/usr/bin/env node
// Measures the two MongoDB connection strategies of the `--env mongo` build
// against a real cluster, through `wrangler dev`:
//   gateway      one MongoClient held by the MongoGateway Durable Object
//   per-request  a MongoClient opened and closed by every request
// For each it signs a user in, then times N sequential GET /auth/check-session
// (each reads the user) and prints mean, p50, p95 and max in milliseconds.
//
//   MONGODB_URI='mongodb+srv://…' npm run bench:mongo [-- --requests 50]
//
// Without MONGODB_URI it says so and exits: no MongoDB server can be
// installed on the project's machines, and nothing here is simulated.
import { startWranglerDev } from "../tools/wrangler-dev.mjs";

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.log("MONGODB_URI is not set: nothing measured. Run: MONGODB_URI='mongodb+srv://…' npm run bench:mongo");
  process.exit(0);
}
const i = process.argv.indexOf("--requests");
const N = i === -1 ? 30 : Number(process.argv[i + 1]);

async function signIn(url) {
  const phone = `+9199${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const post = (path, body) => fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await post("/auth/request-otp", { phone });
  const outbox = await (await fetch(`${url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json();
  const code = /\b(\d{6})\b/.exec(outbox.messages[0].body)[1];
  const res = await (await post("/auth/verify-otp", { phone, otp: code })).json();
  return res.token;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

for (const mode of ["gateway", "per-request"]) {
  const server = await startWranglerDev({ env: "mongo", vars: { MONGODB_URI: uri, MONGODB_CONNECTION: mode, MONGODB_DB: process.env.MONGODB_DB ?? "edge_phone_auth_bench" } });
  try {
    const token = await signIn(server.url);
    const times = [];
    for (let k = 0; k < N; k++) {
      const t = performance.now();
      const res = await fetch(`${server.url}/auth/check-session`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`check-session answered ${res.status}`);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(`${mode.padEnd(12)} n=${N}  mean ${mean.toFixed(1)} ms  p50 ${pct(times, 50).toFixed(1)}  p95 ${pct(times, 95).toFixed(1)}  max ${times.at(-1).toFixed(1)}`);
  } finally {
    await server.stop();
  }
}
