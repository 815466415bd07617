#!/usr/bin/env node
// Load benchmark: N complete sign-in flows at concurrency C against a freshly
// started server, for both of our profiles under `wrangler dev` (embedded:
// Durable Objects + D1; upstash: local redis-server through the REST bridge)
// and for the better-auth peer (bench/peers/better-auth-worker/peer.mjs),
// one server at a time, in one run. A flow is request-otp → read the code
// (dev outbox) → verify-otp → check-session, each step on a fresh phone.
//
// Per server, after a few warm-up flows:
//   1. GET /healthz alone, N requests at concurrency C: the runtime's own
//      CPU per request (the baseline);
//   2. each endpoint alone (request-otp for N phones, then their outbox
//      reads, verify-otps and check-sessions, in batches of at most 100 so
//      the dev outbox still holds every code): CPU per request, and "app
//      CPU" = that minus the /healthz baseline;
//   3. N full flows at concurrency C: flows/s, per-step p50/p99 latency,
//      CPU per flow, and app CPU per flow = CPU per flow − 4 × baseline.
// CPU is utime+stime (+ reaped children's) of the server's whole process
// tree (the spawned process and every descendant, found by walking the ppid
// of every /proc/<pid>/stat), read before and after each phase, with a short
// pause after the last answer so work that trails the answers is counted.
//
// Every answer is checked (status and essential body field, bench/check.mjs
// for ours; the peer's client throws likewise); the first unexpected one
// stops the run with no figures. Figures are printed only once every server
// has been measured. If the peer does not start, the report
// says "peer not measured: <reason>" and still prints ours.
//
//   npm run bench:load [-- --n 300 --c 10 --only ours|peer]
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../tools/wrangler-dev.mjs";
import { runBenchmark } from "./check.mjs";
import { BENCH_LIMITS, forEachProfile, freshPhone, ourClient } from "./our-server.mjs";
import { startBetterAuthPeer } from "./peers/better-auth-worker/peer.mjs";
import { CLK_TCK, readStat, redisServerPid, treeCpu } from "./proc-cpu.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const N = Number(arg("n", "300"));
const C = Number(arg("c", "10"));
const ONLY = arg("only", "all");
if (!Number.isInteger(N) || N < 1 || N > 5000) usage("--n must be an integer from 1 to 5000");
if (!Number.isInteger(C) || C < 1 || C > 200) usage("--c must be an integer from 1 to 200");
if (!["all", "ours", "peer"].includes(ONLY)) usage("--only must be ours or peer");

function usage(message) {
  console.error(`${message}\nusage: npm run bench:load [-- --n 300 --c 10 --only ours|peer]`);
  process.exit(2);
}

const WARM_UP = Math.min(N, 20);
/** Per-endpoint phases run in batches no larger than this: the dev outbox keeps the latest 200 messages. */
const BATCH = 100;
/** Pause after a phase's last answer before reading the CPU, so trailing work (waitUntil, log lines) counts. */
const SETTLE_MS = 300;
const STEPS = ["request-otp", "read code (dev outbox)", "verify-otp", "check-session"];

// ------------------------------------------------------------- load driver

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs task(0..count-1) with at most `concurrency` in flight. The first
 * failure stops new tasks; every task in flight is awaited before it is
 * thrown, so nothing is still talking to the server when it is stopped.
 */
async function pool(count, concurrency, task) {
  let next = 0;
  let failure = null;
  const worker = async () => {
    while (failure === null && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure) throw failure;
}

function withContext(where, err) {
  if (err instanceof Error) {
    err.message = `${where}: ${err.message}`;
    return err;
  }
  return new Error(`${where}: ${String(err)}`);
}

/** Runs one phase; returns its wall time and the CPU the server tree spent in it (ms). */
async function measured(server, fn) {
  await sleep(SETTLE_MS);
  const before = treeCpu(server.pid);
  const redisBefore = server.redisPid ? readStat(server.redisPid).ticks : 0;
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  await sleep(SETTLE_MS);
  const after = treeCpu(server.pid);
  const redisMs = server.redisPid ? ((readStat(server.redisPid).ticks - redisBefore) * 1000) / CLK_TCK : 0;
  return { wallMs, cpuMs: after.ms - before.ms, workerdMs: after.workerdMs - before.workerdMs, redisMs };
}

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

async function flow(client) {
  const phone = freshPhone();
  const [a] = await timed(() => client.requestOtp(phone));
  const [b, code] = await timed(() => client.readCode(phone));
  const [c, token] = await timed(() => client.verifyOtp(phone, code));
  const [d] = await timed(() => client.checkSession(token));
  return [a, b, c, d];
}

/**
 * Measures one started server: { label, pid, baselineName, client, redisPid? }.
 * Throws (with the server, phase and item named) on any unexpected answer.
 */
async function measure(server) {
  const { client, label } = server;
  const step = async (where, fn) => {
    try {
      return await fn();
    } catch (err) {
      throw withContext(`${label}, ${where}`, err);
    }
  };

  // Warm-up: the isolate, the objects, the JIT and the connections.
  await pool(WARM_UP, C, (i) => step(`warm-up flow ${i + 1}`, () => flow(client)));
  await pool(C, C, (i) => step(`warm-up /healthz ${i + 1}`, () => client.healthz()));

  const healthz = await measured(server, () => pool(N, C, (i) => step(`/healthz ${i + 1}`, () => client.healthz())));

  // Each endpoint alone, batch by batch; CPU summed per endpoint.
  const endpointCpu = [0, 0, 0, 0];
  const endpointWorkerd = [0, 0, 0, 0];
  let redisEndpoints = 0;
  for (let start = 0; start < N; start += BATCH) {
    const size = Math.min(BATCH, N - start);
    const phones = Array.from({ length: size }, () => freshPhone());
    const codes = [];
    const tokens = [];
    const phases = [
      (i) => step(`request-otp phase, phone ${start + i + 1}`, () => client.requestOtp(phones[i])),
      (i) => step(`read-code phase, phone ${start + i + 1}`, async () => void (codes[i] = await client.readCode(phones[i]))),
      (i) => step(`verify-otp phase, phone ${start + i + 1}`, async () => void (tokens[i] = await client.verifyOtp(phones[i], codes[i]))),
      (i) => step(`check-session phase, phone ${start + i + 1}`, () => client.checkSession(tokens[i])),
    ];
    for (const [k, task] of phases.entries()) {
      const m = await measured(server, () => pool(size, C, task));
      endpointCpu[k] += m.cpuMs;
      endpointWorkerd[k] += m.workerdMs;
      redisEndpoints += m.redisMs;
    }
  }

  const latencies = STEPS.map(() => []);
  const flows = await measured(server, () =>
    pool(N, C, async (i) => {
      const times = await step(`flow ${i + 1}`, () => flow(client));
      times.forEach((t, j) => latencies[j].push(t));
    }),
  );

  return {
    label,
    baselineName: server.baselineName,
    processes: treeCpu(server.pid).processes,
    baseline: healthz.cpuMs / N,
    endpoints: endpointCpu.map((ms) => ms / N),
    flowsPerSecond: N / (flows.wallMs / 1000),
    flowWallMs: flows.wallMs,
    cpuPerFlow: flows.cpuMs / N,
    workerd: { baseline: healthz.workerdMs / N, endpoints: endpointWorkerd.map((ms) => ms / N), perFlow: flows.workerdMs / N },
    latencies: latencies.map((xs) => ({ p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) })),
    redisPerFlow: server.redisPid ? flows.redisMs / N : null,
    redisEndpoints: server.redisPid ? redisEndpoints / N : null,
  };
}

function percentile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

// ------------------------------------------------------------ our server

async function measureOurs({ label: profileLabel, vars }) {
  const label = `ours, ${profileLabel} (wrangler dev)`;
  const server = await startWranglerDev({ vars: { ...BENCH_LIMITS, ...vars } });
  try {
    return await measure({ label, pid: server.pid, baselineName: "/healthz", client: ourClient(server.url), redisPid: vars.UPSTASH_REDIS_REST_URL ? redisServerPid() : null });
  } finally {
    await server.stop();
  }
}

// ------------------------------------------------------------------ peer

const firstLine = (err) => String(err?.message ?? err).split("\n").find((l) => l.trim()) ?? String(err);

/** Returns { result } or { notMeasured: reason }. Failing to start is a reason; a wrong answer once started fails the run. */
async function measurePeer() {
  let peer;
  try {
    peer = await startBetterAuthPeer();
  } catch (err) {
    return { notMeasured: `startBetterAuthPeer() failed: ${firstLine(err)}` };
  }
  try {
    return { result: await measure({ label: "peer: better-auth phone-number plugin, Worker on D1 (wrangler dev)", pid: peer.pid, baselineName: "/api/auth/ok", client: peer.client }) };
  } finally {
    await peer.stop();
  }
}

// ---------------------------------------------------------------- report

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const col = (s, w) => String(s).padStart(w);

function describe(r) {
  const lines = [`${r.label}  [process tree: ${r.processes} processes]`];
  lines.push(`  flows/s ${f1(r.flowsPerSecond)}  (${N} flows at concurrency ${C} in ${f2(r.flowWallMs / 1000)} s)`);
  lines.push(`  step latency in the flows      ${col("p50 ms", 8)} ${col("p99 ms", 8)}`);
  r.latencies.forEach((l, j) => lines.push(`    ${STEPS[j].padEnd(27)} ${col(f1(l.p50), 8)} ${col(f1(l.p99), 8)}`));
  lines.push(`  server CPU per request, each endpoint alone (${N} requests, concurrency ${C})`);
  lines.push(`    ${"".padEnd(27)} ${col("total ms", 9)} ${col("app ms", 8)}  (app = total − /healthz)`);
  lines.push(`    ${`${r.baselineName} (baseline)`.padEnd(27)} ${col(f2(r.baseline), 9)} ${col("—", 8)}`);
  r.endpoints.forEach((ms, j) => lines.push(`    ${STEPS[j].padEnd(27)} ${col(f2(ms), 9)} ${col(f2(ms - r.baseline), 8)}`));
  const sum = r.endpoints.reduce((a, b) => a + b, 0);
  lines.push(`    ${"sum of a flow's 4 requests".padEnd(27)} ${col(f2(sum), 9)} ${col(f2(sum - 4 * r.baseline), 8)}`);
  lines.push(`  server CPU per flow in the flow phase: ${f2(r.cpuPerFlow)} ms; app CPU per flow ${f2(appPerFlow(r))} ms (− 4 × /healthz)`);
  const w = r.workerd;
  lines.push(`  of which in workerd (the runtime running the Worker; the rest is wrangler's Node tooling), app ms per request:`);
  lines.push(`    ${STEPS.map((name, j) => `${name} ${f2(w.endpoints[j] - w.baseline)}`).join(", ")}; /healthz ${f2(w.baseline)} total`);
  lines.push(`    per flow in the flow phase: ${f2(w.perFlow)} ms; app ${f2(workerdAppPerFlow(r))} ms`);
  if (r.redisPerFlow !== null) {
    lines.push(`  outside the tree: redis-server ${f2(r.redisPerFlow)} ms CPU per flow (the REST bridge runs in the load generator)`);
  }
  return lines;
}

const appPerFlow = (r) => r.cpuPerFlow - 4 * r.baseline;
const workerdAppPerFlow = (r) => r.workerd.perFlow - 4 * r.workerd.baseline;

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", cwd: root }).trim();
    } catch {
      return "unknown";
    }
  };
  const model = /^Model name:\s*(.+)$/m.exec(sh("lscpu", []))?.[1]?.trim() ?? "unknown";
  const dirty = sh("git", ["status", "--porcelain", "--untracked-files=no"]) ? " (with uncommitted changes)" : "";
  return [
    `machine: nproc ${sh("nproc", [])}, ${model}`,
    `date: ${new Date().toISOString()}; load average at the start ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other work on the machine moves the figures)`,
    `commit: ${sh("git", ["rev-parse", "--short", "HEAD"])}${dirty}`,
    `load: ${N} flows at concurrency ${C} per server after ${WARM_UP} warm-up flows; each endpoint alone ${N} requests at concurrency ${C}; servers one at a time`,
    `CPU: utime+stime of the server's whole process tree from /proc (CLK_TCK ${CLK_TCK}); app CPU = CPU − the same run's /healthz CPU per request`,
  ];
}

await runBenchmark(async () => {
  const header = machine();
  const ours = [];
  let peer = null;
  let peerNote;
  if (ONLY !== "peer") {
    for (const p of await forEachProfile(measureOurs)) ours.push("result" in p ? { profile: p.name, r: p.result } : { profile: p.name, note: p.note });
  }
  if (ONLY !== "ours") {
    const outcome = await measurePeer();
    peer = outcome.result ?? null;
    peerNote = outcome.notMeasured ? `peer not measured: ${outcome.notMeasured}` : null;
  } else {
    peerNote = "peer not measured: --only ours";
  }

  const report = [...header, ""];
  for (const o of ours) report.push(...(o.r ? describe(o.r) : [o.note]), "");
  report.push(...(peer ? describe(peer) : [peerNote]), "");
  const measuredOurs = ours.filter((o) => o.r);
  if (peer && measuredOurs.length) {
    report.push("ratios, ours ÷ peer, same run (issue 7 targets: flows/s ≥ 2, app CPU per flow ≤ 0.5)");
    for (const { profile, r } of measuredOurs) {
      const cpuRatio = appPerFlow(peer) > 0 ? `${f2(appPerFlow(r) / appPerFlow(peer))}×` : "n/a (peer's app CPU per flow ≤ 0)";
      const workerdRatio = workerdAppPerFlow(peer) > 0 ? `${f2(workerdAppPerFlow(r) / workerdAppPerFlow(peer))}×` : "n/a";
      report.push(`  ${profile.padEnd(9)} flows/s ${f2(r.flowsPerSecond / peer.flowsPerSecond)}×   app CPU per flow ${cpuRatio}   (workerd alone ${workerdRatio})`);
    }
    // Whether 2x the peer's flows/s is reachable at all on this runtime: when
    // the servers are CPU-bound, flows/s goes as 1 / (CPU per flow), and no
    // Worker's flow costs less than the runtime's own 4 x /healthz.
    const cores = availableParallelism();
    const busy = (r) => `${f1((100 * r.flowsPerSecond * r.cpuPerFlow) / 1000 / cores)} %`;
    const floor = Math.min(4 * peer.baseline, ...measuredOurs.map(({ r }) => 4 * r.baseline));
    report.push(
      `  runtime floor: 4 × the lowest baseline = ${f2(floor)} ms of CPU per flow before any app code; the peer's whole flow costs ${f2(peer.cpuPerFlow)} ms,`,
      `  so 2× its flows/s on a CPU-bound machine needs a whole flow in ≤ ${f2(peer.cpuPerFlow / 2)} ms: ${floor > peer.cpuPerFlow / 2 ? "below the floor, impossible for any Worker under this runtime" : "above the floor"}`,
      `  (share of the ${cores} cores the server tree kept busy in the flow phase: ${measuredOurs.map(({ profile, r }) => `${profile} ${busy(r)}`).join(", ")}, peer ${busy(peer)})`,
    );
  }
  console.log(report.join("\n").trimEnd());
});
