import type { Counter, Histogram } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type CollectionResult, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ALERT_REASONS, type AlertReason } from './events.js';
import { RUN_STATUSES, type RunStatus } from './statuses.js';

/**
 * Airlock's metrics (DESIGN.md, "Telemetry names"), kept by the OpenTelemetry SDK
 * and read out once, at the end of a gate run, by `collect()`. The same collected
 * data goes to OTLP and to the Pushgateway so the two can never disagree.
 *
 * Each gate run reports ONLY ITS OWN counts, labelled with its `run_id`, plus the
 * time it reported them (`sandbox_report_timestamp_seconds`). On the Pushgateway a
 * run is its own group {job, instance, run_id}, so concurrent and successive CI runs
 * never overwrite each other; the alert rules (ops/alerts.yml) add up the runs whose
 * report time lies inside their window. Why not cumulative counters and increase():
 * a fresh runner has no history to continue from, and a counter series that first
 * appears at 3 is an increase of 0 to Prometheus, so failures spread over several CI
 * runs could never add up to an alert.
 */

export const METRIC_RUNS = 'sandbox_runs_total';
export const METRIC_DURATION = 'sandbox_duration_ms';
export const METRIC_ALERTS = 'sandbox_alerts_total';
/** Unix seconds at which this run reported its counts: what the rules' windows compare with. */
export const METRIC_REPORT_TIME = 'sandbox_report_timestamp_seconds';
/** The label that tells one gate run's series from another's (and the Pushgateway grouping key). */
export const RUN_ID_LABEL = 'run_id';

/**
 * Bucket bounds in ms. A hardened `docker run` of a tiny image takes ~0.4 s (ENVIRONMENT.md),
 * policies' timeouts run from seconds to 10 minutes; the OTel default (0..10 s) would
 * put every slow run in +Inf.
 */
export const DURATION_BUCKETS_MS = [
  250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
];

/** A reader that never exports on its own: we collect once, when the gate is done. */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface SandboxMetricsOptions {
  /** `service.name`; Prometheus' `job`. */
  job: string;
  /** `service.instance.id`; Prometheus' `instance`: the repository, stable across runs. */
  instance: string;
  /** This gate run; every data point carries it as `run_id`. */
  runId: string;
  /** The report time's clock; default the system clock. */
  now?: () => Date;
}

export class SandboxMetrics {
  private readonly provider: MeterProvider;
  private readonly reader = new OnDemandReader();
  private readonly runs: Counter;
  private readonly duration: Histogram;
  private readonly alerts: Counter;
  private readonly runLabel: Record<string, string>;

  constructor(opts: SandboxMetricsOptions) {
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': opts.job, 'service.instance.id': opts.instance }),
      readers: [this.reader],
    });
    this.runLabel = { [RUN_ID_LABEL]: opts.runId };
    const now = opts.now ?? (() => new Date());
    const meter = this.provider.getMeter('airlock');
    this.runs = meter.createCounter(METRIC_RUNS, { description: 'Sandboxed script runs by outcome.' });
    this.duration = meter.createHistogram(METRIC_DURATION, {
      description: 'Wall-clock duration of sandboxed script runs, in milliseconds.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
    });
    this.alerts = meter.createCounter(METRIC_ALERTS, { description: 'Alerts Airlock raised, by reason.' });
    // Read when collected, i.e. when the run reports: the alert windows start from it.
    meter
      .createObservableGauge(METRIC_REPORT_TIME, {
        description: 'When this Airlock run reported its counts, in Unix seconds.',
      })
      .addCallback((r) => r.observe(now().getTime() / 1000, this.runLabel));
    // Every status and reason gets a series, at 0 if need be, so a dashboard or a
    // query sees "0 failures in this run" rather than no data.
    for (const status of RUN_STATUSES) this.runs.add(0, { ...this.runLabel, status });
    for (const reason of ALERT_REASONS) this.alerts.add(0, { ...this.runLabel, reason });
  }

  recordRun(status: RunStatus, durationMs: number): void {
    this.runs.add(1, { ...this.runLabel, status });
    if (Number.isFinite(durationMs) && durationMs >= 0) this.duration.record(durationMs, this.runLabel);
  }

  recordAlert(reason: AlertReason): void {
    this.alerts.add(1, { ...this.runLabel, reason });
  }

  async collect(): Promise<CollectionResult> {
    return this.reader.collect();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
