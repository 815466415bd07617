// Upstash-compatible REST bridge in front of a stock redis-server: the local
// stand-in for Upstash in tests and `npm run dev:redis`. It speaks the subset
// of Upstash's REST API that @upstash/redis and @upstash/ratelimit use:
//
//   POST /            body ["CMD", "arg", ...]          → {"result": …} | 400 {"error": "…"}
//   POST /pipeline    body [["CMD", …], …]              → [{"result": …} | {"error": "…"}, …]
//   POST /multi-exec  body [["CMD", …], …] (atomic)     → [{"result": …} | {"error": "…"}, …]
//   Authorization: Bearer <token>                        (401 otherwise)
//   Upstash-Encoding: base64 → string results base64-encoded ("OK" stays plain)
//
// Arguments that are numbers or booleans are stringified, as Upstash does.
// Lua scripts may start with `#!lua flags=allow-key-locking`, an Upstash-only
// flag stock Redis rejects: the bridge strips it before EVAL / SCRIPT LOAD and
// maps the client's SHA (of the original text) to the stripped script's SHA,
// so EVALSHA hits and NOSCRIPT misses behave as they do on Upstash.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { createRespClient, RespError, SimpleString } from "./resp.mjs";

const sha1 = (text) => createHash("sha1").update(text).digest("hex");

/** Removes the Upstash-only `allow-key-locking` flag from a script's shebang. */
export function stripUpstashFlags(script) {
  const match = /^#!lua([^\n]*)(\n|$)/.exec(script);
  if (!match) return script;
  const flagsMatch = /flags=([^\s]*)/.exec(match[1]);
  if (!flagsMatch) return script;
  const kept = flagsMatch[1].split(",").filter((f) => f && f !== "allow-key-locking");
  const rest = match[1].replace(flagsMatch[0], kept.length ? `flags=${kept.join(",")}` : "").trimEnd();
  return `#!lua${rest}${match[2]}${script.slice(match[0].length)}`;
}

// The client keeps a top-level "OK" as is but base64-decodes every string
// inside an array, so only a top-level OK may stay plain.
function toJson(reply, base64, nested = false) {
  if (reply === null || typeof reply === "number") return reply;
  if (reply instanceof SimpleString) {
    return base64 && (nested || reply.value !== "OK") ? Buffer.from(reply.value).toString("base64") : reply.value;
  }
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (Array.isArray(reply)) return reply.map((r) => (r instanceof RespError ? { error: r.message } : toJson(r, base64, true)));
  return reply;
}

// Commands that would change the state of the shared Redis connection
// (transactions, database, blocking, pub/sub). Upstash's REST API has its
// own endpoint for transactions and no use for the rest.
const REFUSED = new Set([
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
  "UNSUBSCRIBE", "PUNSUBSCRIBE", "MONITOR", "QUIT", "RESET", "CLIENT", "BLPOP", "BRPOP", "BLMOVE",
  "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX", "BLMPOP", "BZMPOP", "XREAD", "XREADGROUP", "WAIT", "SHUTDOWN",
]);

function toArgs(command) {
  if (!Array.isArray(command) || command.length === 0) throw new Error("ERR command must be a non-empty array");
  if (REFUSED.has(String(command[0]).toUpperCase())) throw new Error(`ERR command ${command[0]} is not supported by the REST bridge`);
  return command.map((part) => {
    if (typeof part === "string") return part;
    if (typeof part === "number" || typeof part === "boolean") return String(part);
    throw new Error("ERR command arguments must be strings, numbers or booleans");
  });
}

export async function startBridge({ redisPort, token, port = 0, host = "127.0.0.1" }) {
  const redis = await createRespClient({ port: redisPort });
  /** client SHA (original script) → SHA Redis knows (stripped script) */
  const shaMap = new Map();

  function rewrite(args) {
    const name = args[0].toUpperCase();
    if (typeof args[1] !== "string") return { args };
    if (name === "EVAL" || name === "EVAL_RO") {
      const stripped = stripUpstashFlags(args[1]);
      if (stripped !== args[1]) shaMap.set(sha1(args[1]), sha1(stripped));
      return { args: [args[0], stripped, ...args.slice(2)] };
    }
    if (name === "EVALSHA" || name === "EVALSHA_RO") {
      const mapped = shaMap.get(String(args[1]).toLowerCase());
      return { args: mapped ? [args[0], mapped, ...args.slice(2)] : args };
    }
    if (name === "SCRIPT" && String(args[1]).toUpperCase() === "LOAD" && args.length === 3) {
      const stripped = stripUpstashFlags(args[2]);
      const original = sha1(args[2]);
      if (stripped !== args[2]) shaMap.set(original, sha1(stripped));
      // Upstash answers with the SHA of the text it was given.
      return { args: [args[0], args[1], stripped], result: new SimpleString(original) };
    }
    return { args };
  }

  // Every command is checked and rewritten before the first is sent, then
  // all are written synchronously, so nothing else can land between MULTI
  // and EXEC on the shared connection and a bad command cannot leave it
  // inside a transaction.
  function sendAll(commands) {
    const rewritten = commands.map(rewrite);
    return rewritten.map(({ args, result }) =>
      redis.send(args).then((reply) => (result && !(reply instanceof RespError) ? result : reply)),
    );
  }

  async function handle(path, body, base64) {
    if (path === "/") {
      const [reply] = await Promise.all(sendAll([toArgs(body)]));
      if (reply instanceof RespError) return [400, { error: reply.message }];
      return [200, { result: toJson(reply, base64) }];
    }
    if (path === "/pipeline") {
      if (!Array.isArray(body)) throw new Error("ERR pipeline body must be an array of commands");
      const replies = await Promise.all(sendAll(body.map(toArgs)));
      return [200, replies.map((r) => (r instanceof RespError ? { error: r.message } : { result: toJson(r, base64) }))];
    }
    if (path === "/multi-exec") {
      if (!Array.isArray(body)) throw new Error("ERR transaction body must be an array of commands");
      const commands = body.map(toArgs);
      const replies = await Promise.all(sendAll([["MULTI"], ...commands, ["EXEC"]]));
      const queued = replies.slice(1, -1).find((r) => r instanceof RespError);
      const exec = replies.at(-1);
      if (queued) return [400, { error: queued.message }];
      if (exec instanceof RespError) return [400, { error: exec.message }];
      if (exec === null) return [400, { error: "ERR transaction aborted" }];
      return [200, exec.map((r) => (r instanceof RespError ? { error: r.message } : { result: toJson(r, base64) }))];
    }
    return [404, { error: "ERR unknown endpoint" }];
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const reply = (status, json) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
      if (req.method !== "POST") return reply(405, { error: "ERR only POST is supported" });
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reply(400, { error: "ERR failed to parse JSON body" });
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      try {
        const [status, json] = await handle(new URL(req.url, "http://bridge").pathname.replace(/\/+$/, "") || "/", body, base64);
        reply(status, json);
      } catch (err) {
        reply(400, { error: err instanceof Error ? err.message : String(err) });
      }
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.close();
    },
  };
}
