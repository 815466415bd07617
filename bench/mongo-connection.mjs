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
//
// Every answer is checked (status and its essential body field); the first
// unexpected one stops the run with the step, status and error code, and no
// figures are printed. Figures are printed only after both strategies ran.
import { startWranglerDev } from "../tools/wrangler-dev.mjs";
import { expectAnswer, readOutboxCode, runBenchmark } from "./check.mjs";

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.log("MONGODB_URI is not set: nothing measured. Run: MONGODB_URI='mongodb+srv://…' npm run bench:mongo");
  process.exit(0);
}
const i = process.argv.indexOf("--requests");
const N = i === -1 ? 30 : Number(process.argv[i + 1]);
if (!Number.isInteger(N) || N < 1) {
  console.error("--requests must be a positive integer");
  process.exit(2);
}

async function signIn(url) {
  const phone = `+9199${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const post = (path, body) => fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await expectAnswer("POST /auth/request-otp", await post("/auth/request-otp", { phone }), 200, (b) => b?.status === "sent", 'status "sent"');
  const code = await readOutboxCode(url, phone);
  const verified = await expectAnswer(
    "POST /auth/verify-otp",
    await post("/auth/verify-otp", { phone, otp: code }),
    200,
    (v) => typeof v?.token === "string" && v.token.split(".").length === 3,
    "a token",
  );
  return verified.token;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

await runBenchmark(async () => {
  const report = [];
  for (const mode of ["gateway", "per-request"]) {
    const server = await startWranglerDev({ env: "mongo", vars: { MONGODB_URI: uri, MONGODB_CONNECTION: mode, MONGODB_DB: process.env.MONGODB_DB ?? "edge_phone_auth_bench" } });
    try {
      const token = await signIn(server.url);
      const times = [];
      for (let k = 0; k < N; k++) {
        const t = performance.now();
        const res = await fetch(`${server.url}/auth/check-session`, { headers: { authorization: `Bearer ${token}` } });
        await expectAnswer(`${mode}: GET /auth/check-session ${k + 1}`, res, 200, (b) => b?.valid === true, "valid: true");
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      report.push(`${mode.padEnd(12)} n=${N}  mean ${mean.toFixed(1)} ms  p50 ${pct(times, 50).toFixed(1)}  p95 ${pct(times, 95).toFixed(1)}  max ${times.at(-1).toFixed(1)}`);
    } catch (err) {
      if (err instanceof Error && !err.message.startsWith(mode)) err.message = `${mode}: ${err.message}`;
      throw err;
    } finally {
      await server.stop();
    }
  }
  console.log(report.join("\n"));
});
