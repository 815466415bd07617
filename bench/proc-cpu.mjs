// CPU time of a process tree from /proc (Linux), for bench/load.mjs.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
if (!Number.isInteger(CLK_TCK) || CLK_TCK < 1) throw new Error("getconf CLK_TCK did not answer a tick rate");

export function readStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may hold spaces: split after it.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // f[0] state, f[1] ppid, f[11] utime, f[12] stime, f[13] cutime, f[14] cstime (clock ticks)
  return { comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
}

function allStats() {
  const stats = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.set(Number(name), readStat(name));
    } catch {
      // exited while we looked
    }
  }
  return stats;
}

/**
 * CPU ms spent so far by `rootPid` and all its descendants (and, of that,
 * by the `workerd` processes among them): utime + stime,
 * plus cutime + cstime (children that exited and were reaped move their time
 * there, so a process ending mid-phase is not lost).
 */
export function treeCpu(rootPid) {
  const stats = allStats();
  if (!stats.has(rootPid)) throw new Error(`server process ${rootPid} is gone`);
  const children = new Map();
  for (const [pid, s] of stats) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  let ticks = 0;
  let workerdTicks = 0;
  let processes = 0;
  const stack = [rootPid];
  const seen = new Set();
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += stats.get(pid).ticks;
    // workerd runs the Worker (and its Durable Objects and D1); the rest of
    // the tree is wrangler's Node tooling (log forwarding, local proxies).
    if (stats.get(pid).comm === "workerd") workerdTicks += stats.get(pid).ticks;
    processes++;
    stack.push(...(children.get(pid) ?? []));
  }
  return { ms: (ticks * 1000) / CLK_TCK, workerdMs: (workerdTicks * 1000) / CLK_TCK, processes };
}

/** Our own redis-server child (upstash profile), outside the Worker's tree. */
export function redisServerPid() {
  for (const [pid, s] of allStats()) if (s.ppid === process.pid && s.comm === "redis-server") return pid;
  return null;
}
