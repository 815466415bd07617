import { METRIC_BLOBS, METRIC_DOUBLES, type MetricPoint, type MetricsSink } from "../../domain/metrics";

/**
 * Metrics on Cloudflare: one Workers Analytics Engine data point per auth
 * event (binding METRICS, dataset `edge_phone_auth`). Blobs and doubles keep
 * METRIC_BLOBS / METRIC_DOUBLES order, which the dashboards' SQL reads by
 * position; the event name is the index, so sampling keeps rare events
 * (lockouts, tripped budgets) as well as frequent ones. `writeDataPoint`
 * returns at once: the runtime sends points after the response.
 */
/** The part of the runtime's AnalyticsEngineDataset used here (typed locally, so Node-side tests compile too). */
export interface DataPointWriter {
  writeDataPoint(point: { indexes: string[]; blobs: string[]; doubles: number[] }): void;
}

export class AnalyticsEngineMetrics implements MetricsSink {
  constructor(private readonly dataset: DataPointWriter) {}

  write(point: MetricPoint): void {
    this.dataset.writeDataPoint({
      indexes: [point.event],
      blobs: METRIC_BLOBS.map((label) => point[label]),
      doubles: METRIC_DOUBLES.map((value) => point[value]),
    });
  }
}
