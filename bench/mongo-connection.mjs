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
import { runBenchmark } from "./check.mjs";
import { ourClient } from "./our-server.mjs";

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

/** A signed-in token on this server; every step checked. */
async function signIn(client) {
  const phone = `+9199${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  await client.requestOtp(phone);
  return client.verifyOtp(phone, await client.readCode(phone));
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

await runBenchmark(async () => {
  const report = [];
  for (const mode of ["gateway", "per-request"]) {
    const server = await startWranglerDev({ env: "mongo", vars: { MONGODB_URI: uri, MONGODB_CONNECTION: mode, MONGODB_DB: process.env.MONGODB_DB ?? "edge_phone_auth_bench" } });
    try {
      const client = ourClient(server.url);
      const token = await signIn(client);
      const times = [];
      for (let k = 0; k < N; k++) {
        const t = performance.now();
        await client.checkSession(token).catch((err) => {
          err.message = `${mode}: check-session ${k + 1}: ${err.message}`;
          throw err;
        });
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
