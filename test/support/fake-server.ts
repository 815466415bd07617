/** What the local fakes of paid providers share: reading a body, answering JSON, listening on loopback. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Listens on a free loopback port (never 6379, which belongs to a developer's Redis) and returns the base URL and a close that drops open connections. */
export async function serveOnLoopback(server: Server): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  for (;;) {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    if (port !== 6379) {
      return {
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Plays a test scenario on a request the fake accepted: records it unless
 * the scenario refuses it (a slow provider has usually queued a message by
 * the time its answer is late, so a caller that gives up waiting still sees
 * it "arrive"), then waits the scenario's delay. "gone" when the caller
 * stopped waiting meanwhile.
 */
export async function playScenario(scenario: { status?: number; delayMs?: number }, res: ServerResponse, record: () => void): Promise<"refused" | "gone" | "answer"> {
  const refused = scenario.status !== undefined && scenario.status >= 400;
  if (!refused) record();
  if (scenario.delayMs) await new Promise((r) => setTimeout(r, scenario.delayMs));
  if (res.destroyed) return "gone";
  return refused ? "refused" : "answer";
}
