#!/usr/bin/env node
// CPU profile of our Worker under `wrangler dev` (embedded profile unless
// --redis): N sign-in flows while workerd's V8 profiler samples through the
// inspector port, then the functions with the most self time, grouped by
// source (our src/, each npm package, the runtime). Every answer is checked
// as in the other benchmarks. Profiling slows the Worker; read the shares,
// not the absolute times.
//
//   node bench/profile.mjs [--n 200] [--top 25] [--redis]
import { startWranglerDev } from "../tools/wrangler-dev.mjs";
import { runBenchmark } from "./check.mjs";
import { BENCH_LIMITS, forEachProfile, freshPhone, ourClient } from "./our-server.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const N = Number(arg("n", "200"));
const TOP = Number(arg("top", "25"));
const REDIS = process.argv.includes("--redis");

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspectable target on port ${port}: ${JSON.stringify(targets)}`);
  // wrangler's inspector proxy accepts DevTools' own origin only.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: "https://devtools.devprod.cloudflare.dev" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data));
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  return {
    send(method, params = {}) {
      const msgId = ++id;
      ws.send(JSON.stringify({ id: msgId, method, params }));
      return new Promise((resolve, reject) => pending.set(msgId, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result))));
    },
    close: () => ws.close(),
  };
}

/** Where a frame's code comes from: our source file, an npm package, or the runtime. */
function origin(url) {
  if (!url) return "(runtime)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const src = /\/(src\/.+)$/.exec(url);
  return src ? src[1] : url.slice(-60);
}

function summarise(profile, sources) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((nodeId, i) => self.set(nodeId, (self.get(nodeId) ?? 0) + (dt[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const bySource = new Map();
  for (const [nodeId, us] of self) {
    const { callFrame } = byId.get(nodeId);
    // A bundle line tells little: show the code it holds.
    const code = sources.get(callFrame.scriptId)?.split("\n")[callFrame.lineNumber]?.trim().slice(0, 90) ?? "";
    const fn = `${callFrame.functionName || "(anonymous)"}  ${origin(callFrame.url)}:${callFrame.lineNumber + 1}${code ? `  | ${code}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const source = callFrame.url ? origin(callFrame.url) : callFrame.functionName.startsWith("(") ? callFrame.functionName : "(runtime)";
    bySource.set(source, (bySource.get(source) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [`sampled ${(total / 1000).toFixed(0)} ms of JavaScript time`, "self time by source:", ...rows(bySource), "self time by function:", ...rows(byFunction)];
}

await runBenchmark(async () => {
  const results = await forEachProfile(async ({ label, vars }) => {
    if (REDIS !== Boolean(vars.UPSTASH_REDIS_REST_URL)) return null;
    const server = await startWranglerDev({ vars: { ...BENCH_LIMITS, ...vars } });
    try {
      const client = ourClient(server.url);
      const flow = async () => {
        const phone = freshPhone();
        await client.requestOtp(phone);
        const token = await client.verifyOtp(phone, await client.readCode(phone));
        await client.checkSession(token);
      };
      for (let i = 0; i < 20; i++) await flow();
      const cdp = await inspector(server.inspectorPort);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      await cdp.send("Profiler.start");
      for (let i = 0; i < N; i++) await flow();
      const { profile } = await cdp.send("Profiler.stop");
      const sources = new Map();
      for (const scriptId of new Set(profile.nodes.filter((n) => n.callFrame.url.endsWith("index.js")).map((n) => n.callFrame.scriptId))) {
        await cdp.send("Debugger.enable").catch(() => undefined);
        const got = await cdp.send("Debugger.getScriptSource", { scriptId }).catch(() => null);
        if (got) sources.set(scriptId, got.scriptSource);
      }
      cdp.close();
      return [`${label}: ${N} flows`, ...summarise(profile, sources)];
    } finally {
      await server.stop();
    }
  });
  for (const r of results) if (r?.result) console.log(r.result.join("\n"), "\n");
});
