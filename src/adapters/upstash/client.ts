import { Redis } from "@upstash/redis/cloudflare";

export interface UpstashSettings {
  url: string;
  token: string;
  /** Every REST call is aborted after this long and fails closed. */
  timeoutMs: number;
}

/**
 * An Upstash REST client tuned for auth: a per-call abort deadline (a signal
 * function, so an abort throws instead of the client's default of returning
 * a fake result), no retries (a retried script whose first reply was lost
 * could run twice; a failed call is a 503 instead), and no automatic JSON
 * parsing (values are parsed by the adapters, which know their shapes).
 */
export function createUpstashClient(settings: UpstashSettings): Redis {
  return new Redis({
    url: settings.url,
    token: settings.token,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(settings.timeoutMs),
    automaticDeserialization: false,
    enableTelemetry: false,
  });
}

/** Parses a JSON value stored by an adapter; a corrupt value reads as absent. */
export function parseStored<T>(raw: unknown): T | null {
  if (typeof raw !== "string") return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
