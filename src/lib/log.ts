import type { AuthEvent, AuthEventSink } from "../domain/ports";

/**
 * Structured logs: one JSON object per line on stdout, which Workers Logs and
 * `wrangler tail` index by field. Callers pass only safe fields; nothing
 * here ever receives a code, PIN, token or raw phone number.
 */
export type LogLevel = "info" | "warn" | "error";

export function logJson(level: LogLevel, record: Record<string, unknown>): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), ...record });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * The first 12 hex digits of the keyed phone hash: enough to follow one
 * number through the logs, and useless without the server key.
 */
export function maskPhoneHash(phoneHash: string): string {
  return `${phoneHash.slice(0, 12)}…`;
}

/**
 * A keyed prefix id (budgets.ts) as logs and metrics show it: its first 12
 * hex digits, the same in both, so a dashboard's prefix leads to its lines.
 */
export function prefixLabel(prefixId: string): string {
  return prefixId.slice(0, 12);
}

/** Writes each auth event as one log line tagged with the request id (LOG-01). */
export class LogAuthEvents implements AuthEventSink {
  constructor(
    private readonly requestId: string,
    /** The request's network (IPv4 /24, IPv6 /48: never the full address) and Cloudflare country. */
    private readonly request: { network: string | null; country: string | null } = { network: null, country: null },
  ) {}

  emit(event: AuthEvent): void {
    const { phoneHash, prefix, ...rest } = event;
    logJson(event.outcome === "success" ? "info" : "warn", {
      type: "auth_event",
      requestId: this.requestId,
      ...rest,
      ...(phoneHash ? { phone: maskPhoneHash(phoneHash) } : {}),
      ...(prefix ? { prefix: prefixLabel(prefix) } : {}),
      ...(this.request.network ? { network: this.request.network } : {}),
      ...(this.request.country ? { requestCountry: this.request.country } : {}),
    });
  }
}

// Some clients echo the whole request in their error text (@upstash/redis
// appends ", command was: [...]" with keys and values). Only the part before
// that is logged, and never more than a few hundred characters.
function safeMessage(message: string): string {
  return message.split(", command was:")[0]!.slice(0, 300);
}

/** Describes an error for the log without echoing request data. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? { cause: `${err.cause.name}: ${safeMessage(err.cause.message)}` } : {};
    return { errorName: err.name, errorMessage: safeMessage(err.message), ...cause };
  }
  return { errorName: typeof err };
}
