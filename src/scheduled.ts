import { loadConfig } from "./config";
import { sweepErasures } from "./domain/erasure";
import type { Env } from "./env";
import { describeError, logJson } from "./lib/log";
import { buildServices, type ServiceOptions } from "./services";

/**
 * The scheduled handler (wrangler.toml `[triggers] crons`): finishes account
 * erasures that failed half-way (DATA-02) and logs how many are still open,
 * so an operator sees an erasure that keeps failing.
 */
export async function runScheduled(env: Env, options: ServiceOptions, waitUntil: (work: Promise<unknown>) => void): Promise<void> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    logJson("error", { type: "config_invalid", task: "scheduled", problems: loaded.problems });
    return;
  }
  const requestId = `cron-${crypto.randomUUID()}`;
  try {
    const services = await buildServices(env, loaded.config, requestId, options, waitUntil);
    const { finished, failed, open } = await sweepErasures(services);
    logJson(failed > 0 || open > 0 ? "warn" : "info", { type: "erasures", requestId, finished, failed, open });
    if (services.users.dispose) waitUntil(services.users.dispose());
    if (services.credentials.dispose) waitUntil(services.credentials.dispose());
  } catch (err) {
    logJson("error", { type: "scheduled_failed", requestId, task: "erasures", ...describeError(err) });
  }
}
