/**
 * The `--env mongo` Worker build, run by `wrangler dev` in real workerd: the
 * MongoDB driver loads inside the Worker/Durable Object, the profile is
 * announced, and an unreachable cluster gives 503 service_unavailable within
 * the configured deadline instead of a hang. (No MongoDB server exists on
 * these machines, so success paths are covered by test/node/mongo-user-store
 * when MONGODB_URI is set.)
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";

interface DevServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

const startWorker = (vars: Record<string, string>): Promise<DevServer> => startWranglerDev({ env: "mongo", vars });

let hole: Server;
const sockets: Socket[] = [];
let holePort = 0;
const servers: DevServer[] = [];

beforeAll(async () => {
  // Accepts MongoDB connections and never answers a byte.
  hole = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => hole.listen(0, "127.0.0.1", r));
  holePort = (hole.address() as { port: number }).port;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const s of sockets) s.destroy();
  await new Promise((r) => hole.close(r));
});

describe("the --env mongo build under wrangler dev (real workerd)", () => {
  it.each([
    ["gateway", "silent server"],
    ["per-request", "refused connection"],
  ])("MONGODB_CONNECTION=%s: an unreachable cluster (%s) is 503 service_unavailable within the deadline", async (mode, target) => {
    const uri = target === "silent server" ? `mongodb://127.0.0.1:${holePort}/x?directConnection=true` : "mongodb://127.0.0.1:9/x";
    const server = await startWorker({ MONGODB_URI: uri, MONGODB_CONNECTION: mode, MONGODB_TIMEOUT_MS: "1000" });
    servers.push(server);
    const started = Date.now();
    const res = await fetch(`${server.url}/readyz`);
    const elapsed = Date.now() - started;
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status).toBe(503);
    expect(body.error.code).toBe("service_unavailable");
    expect(elapsed).toBeLessThan(15_000);
    // Codes keep working: they do not depend on the user store.
    const sent = await fetch(`${server.url}/auth/request-otp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: "+919876543210" }),
    });
    expect(sent.status).toBe(200);
    expect(server.log()).toContain(`"users":"mongodb (${mode})"`);
    expect(server.log()).not.toMatch(/Maximum call stack|RangeError/);
  }, 120_000);
});
