import { prefixLabel } from "../lib/log";
import type { AuthEvent, AuthEventSink } from "./ports";

/**
 * Metrics (issue 14): one data point per auth event, for dashboards and
 * alerts. A point holds labels an operator groups by and numbers they sum;
 * never a phone number, user id, session id, message id or network. The
 * number's prefix is its keyed prefix id (budgets.ts) cut to 12 hex digits:
 * enough to tell one block of 1,000 numbers from another in a dashboard, and
 * meaningless without the server key.
 *
 * The layout is fixed: Analytics Engine stores blobs and doubles by position
 * (blob1…, double1…), so dashboards' SQL (deploy/grafana, docs/operations.md)
 * depends on this order. Append new fields at the end; never reorder.
 */
export const METRIC_BLOBS = ["event", "outcome", "country", "prefix", "provider", "reason", "lineType", "channel", "method", "purpose"] as const;
export const METRIC_DOUBLES = ["count", "latencyMs", "costUsd", "riskScore"] as const;

type MetricLabel = (typeof METRIC_BLOBS)[number];
type MetricValue = (typeof METRIC_DOUBLES)[number];

/** Labels are "" when they do not apply; numbers are 0. */
export type MetricPoint = Record<MetricLabel, string> & Record<MetricValue, number>;

/** Where points go: Analytics Engine on Cloudflare, JSON log lines elsewhere. Never throws, never awaits. */
export interface MetricsSink {
  write(point: MetricPoint): void;
}

/** Estimated price of one message or call, by destination country (ISO code, `*` for the rest). */
export interface CostEstimates {
  sms: ReadonlyMap<string, number>;
  voice: ReadonlyMap<string, number>;
}

function priceOf(table: ReadonlyMap<string, number>, country: string | undefined): number {
  return table.get(country ?? "*") ?? table.get("*") ?? 0;
}

/**
 * A reason as a label: the rule's name only. Some reasons carry detail after
 * ": " (a refused passkey ceremony: the library's message, which can quote
 * what the caller sent); the log line keeps it, a label must not (it would
 * be free text, and a dashboard label of unbounded values).
 */
function reasonLabel(reason: string | undefined): string {
  return (reason ?? "").split(": ")[0]!.slice(0, 64);
}

/** The method a sign-in or unlock used; "" for every other event. */
function methodOf(event: AuthEvent): string {
  if (event.event === "otp.verified") return "otp";
  if (event.event === "biometric.verified") return event.credentialKind ?? "";
  if (event.event === "pin.verified") return "pin";
  return "";
}

/**
 * The point of one event. Cost is counted once per message a provider took
 * (`otp.sent` of a real send, not a test number's) or may have taken (no
 * answer: `otp.send_unconfirmed`), at the configured estimate for the
 * number's country and channel.
 */
export function metricPoint(event: AuthEvent, costs: CostEstimates): MetricPoint {
  // A send with no answer may have been delivered (and billed): counted, so spend is not underestimated.
  const paid = (event.event === "otp.sent" && event.reason !== "test_number") || event.event === "otp.send_unconfirmed";
  return {
    event: event.event,
    outcome: event.outcome,
    country: event.country ?? "",
    prefix: event.prefix ? prefixLabel(event.prefix) : "",
    provider: event.provider ?? "",
    reason: reasonLabel(event.reason),
    lineType: event.lineType ?? "",
    channel: event.channel ?? "",
    method: methodOf(event),
    // OTP events name a purpose only when it is not a sign-in.
    purpose: event.purpose ?? (event.event.startsWith("otp.") ? "sign_in" : ""),
    count: 1,
    latencyMs: event.latencyMs ?? 0,
    costUsd: paid ? priceOf(event.channel === "voice" ? costs.voice : costs.sms, event.country) : 0,
    riskScore: event.riskScore ?? 0,
  };
}

/**
 * Tees every auth event into the metrics sink. A sink that fails loses a
 * point, never a request: the write is wrapped so nothing it throws reaches
 * the use-case.
 */
export class MetricsEventSink implements AuthEventSink {
  constructor(
    private readonly inner: AuthEventSink,
    private readonly metrics: MetricsSink,
    private readonly costs: CostEstimates,
    private readonly onError: (err: unknown) => void,
  ) {}

  emit(event: AuthEvent): void {
    this.inner.emit(event);
    try {
      this.metrics.write(metricPoint(event, this.costs));
    } catch (err) {
      this.onError(err);
    }
  }
}
