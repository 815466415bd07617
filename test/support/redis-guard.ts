/**
 * Decides whether the Redis suites can run. Without redis-server they are
 * skipped with a loud message; with CI=true its absence is a failure.
 */
import { findRedisServer } from "../../tools/upstash-bridge/redis-server.mjs";

export function redisServerOrSkip(): boolean {
  if (findRedisServer()) return true;
  const message =
    "redis-server is not installed: the Upstash-profile suites are SKIPPED. Install it (apt-get install redis-server) to run them.";
  if (process.env.CI === "true") throw new Error(`${message} (CI=true makes this a failure)`);
  console.warn(`\n!!! ${message}\n`);
  return false;
}
