import { afterAll, beforeAll } from "vitest";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";

export interface DevServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * This project's Worker under `wrangler dev` for the whole test file
 * (development settings, console SMS provider, `vars` on top), stopped after
 * it. Returns a getter: the server exists only once beforeAll has run.
 */
export function useDevServer(vars: Record<string, string> = {}): () => DevServer {
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startWranglerDev({ vars });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the dev server has not started (use it inside a test)");
    return server;
  };
}
