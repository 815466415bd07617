#!/usr/bin/env node
// Local Upstash stand-in: a private redis-server plus the REST bridge.
//   node tools/upstash-bridge/cli.mjs [--port 8079] [--token dev-token]
// Prints UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, runs until Ctrl-C.
import { startBridge } from "./server.mjs";
import { startRedisServer } from "./redis-server.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const redis = await startRedisServer();
const token = arg("token", "local-bridge-token");
const bridge = await startBridge({ redisPort: redis.port, token, port: Number(arg("port", "8079")) });
console.log(`UPSTASH_REDIS_REST_URL=${bridge.url}`);
console.log(`UPSTASH_REDIS_REST_TOKEN=${token}`);
console.log(`(redis-server on 127.0.0.1:${redis.port}; Ctrl-C stops both)`);
const stop = async () => {
  await bridge.close();
  await redis.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
