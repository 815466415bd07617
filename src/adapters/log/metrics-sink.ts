import type { MetricPoint, MetricsSink } from "../../domain/metrics";
import { logJson } from "../../lib/log";

/**
 * Metrics where Analytics Engine is not bound (self-hosted workerd): the same
 * point as one `{"type":"metric", …}` JSON line with named fields, for a log
 * pipeline (Loki, Elastic) to count and sum. Labels that do not apply are left
 * out rather than written empty.
 */
export class LogMetrics implements MetricsSink {
  write(point: MetricPoint): void {
    const fields = Object.fromEntries(Object.entries(point).filter(([, v]) => v !== "" && v !== 0));
    logJson("info", { type: "metric", ...fields });
  }
}
