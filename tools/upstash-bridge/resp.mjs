// Minimal RESP2 client for the Upstash bridge: one TCP connection, commands
// pipelined in order, replies parsed exactly (bulk strings stay bytes, so the
// bridge can base64 them faithfully). Test and dev tooling only.
import { connect } from "node:net";

export class RespError extends Error {
  constructor(message) {
    super(message);
    this.name = "RespError";
  }
}

/** A RESP simple-string reply ("+OK"), kept apart from bulk strings. */
export class SimpleString {
  constructor(value) {
    this.value = value;
  }
}

const CRLF = Buffer.from("\r\n");

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/**
 * Parses one reply from `buf` at `offset`. Returns [value, nextOffset], or
 * null when the buffer does not yet hold a whole reply.
 */
export function parseReply(buf, offset = 0) {
  const lineEnd = buf.indexOf(CRLF, offset);
  if (lineEnd === -1) return null;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return [new SimpleString(line), next];
    case "-":
      return [new RespError(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const len = Number(line);
      if (len === -1) return [null, next];
      if (buf.length < next + len + 2) return null;
      return [buf.subarray(next, next + len), next + len + 2];
    }
    case "*": {
      const count = Number(line);
      if (count === -1) return [null, next];
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const parsed = parseReply(buf, at);
        if (!parsed) return null;
        items.push(parsed[0]);
        at = parsed[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/** Opens a connection; `send(args)` resolves with the reply (RespError values are returned, not thrown). */
export function createRespClient({ host = "127.0.0.1", port }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const waiting = [];
    let buffer = Buffer.alloc(0);
    let closedError = null;

    socket.on("data", (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      let offset = 0;
      for (;;) {
        const parsed = parseReply(buffer, offset);
        if (!parsed) break;
        offset = parsed[1];
        waiting.shift()?.resolve(parsed[0]);
      }
      buffer = buffer.subarray(offset);
    });
    const fail = (err) => {
      closedError = err ?? new Error("redis connection closed");
      while (waiting.length) waiting.shift().reject(closedError);
    };
    socket.on("error", (err) => {
      if (waiting.length === 0 && !closedError) reject(err);
      fail(err);
    });
    socket.on("close", () => fail());
    socket.on("connect", () => {
      resolve({
        send(args) {
          if (closedError) return Promise.reject(closedError);
          return new Promise((res, rej) => {
            waiting.push({ resolve: res, reject: rej });
            socket.write(encodeCommand(args));
          });
        },
        close() {
          socket.end();
        },
      });
    });
  });
}
