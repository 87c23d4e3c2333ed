import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type CollectionResult, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ExecutionStatus } from '../report/types.js';
import { ALERT_REASONS, type AlertReason } from './events.js';
import type { HistoryBaseline } from './history.js';

/**
 * Airlock's metrics (DESIGN.md, "Telemetry names"), kept by the OpenTelemetry SDK
 * and read out once, at the end of a gate run, by `collect()`. The same collected
 * data goes to OTLP and to the Pushgateway so the two can never disagree.
 *
 * Counters are cumulative ACROSS CI runs: they start from the audit history's
 * totals (HistoryBaseline) and this run adds to them. That is what makes the
 * Pushgateway usable for short-lived jobs: a push replaces the group
 * {job="airlock", instance=...}, and Prometheus sees one monotonic series per
 * instance, so `increase(sandbox_runs_total[5m])` counts the runs of several CI jobs.
 */

export const METRIC_RUNS = 'sandbox_runs_total';
export const METRIC_DURATION = 'sandbox_duration_ms';
export const METRIC_ALERTS = 'sandbox_alerts_total';

/**
 * Bucket bounds in ms. A hardened `docker run` of a tiny image takes ~0.4 s (ENVIRONMENT.md),
 * policies' timeouts run from seconds to 10 minutes; the OTel default (0..10 s) would
 * put every slow run in +Inf.
 */
export const DURATION_BUCKETS_MS = [
  250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
];

const STATUSES: readonly ExecutionStatus[] = ['success', 'failure', 'timeout', 'oom', 'error', 'cancelled'];

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
  /** `service.instance.id`; Prometheus' `instance`. Stable per audit log, not per CI run. */
  instance: string;
  baseline: HistoryBaseline;
  /** Alerts raised so far per reason, when the caller keeps them; default none. */
  alertBaseline?: Partial<Record<AlertReason, number>>;
}

export class SandboxMetrics {
  private readonly provider: MeterProvider;
  private readonly reader = new OnDemandReader();
  private readonly runs: Counter;
  private readonly duration: Histogram;
  private readonly alerts: Counter;

  constructor(opts: SandboxMetricsOptions) {
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': opts.job, 'service.instance.id': opts.instance }),
      readers: [this.reader],
    });
    const meter = this.provider.getMeter('airlock');
    this.runs = meter.createCounter(METRIC_RUNS, { description: 'Sandboxed script runs by outcome.' });
    this.duration = meter.createHistogram(METRIC_DURATION, {
      description: 'Wall-clock duration of sandboxed script runs, in milliseconds.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
    });
    this.alerts = meter.createCounter(METRIC_ALERTS, { description: 'Alerts Airlock raised, by reason.' });
    // Every status gets a series from the first push on, at its cumulative value
    // (0 included): a series that appears only with the first failure has no earlier
    // sample, and increase() cannot count that first failure.
    for (const status of STATUSES) this.runs.add(opts.baseline.runsByStatus[status] ?? 0, { status });
    for (const d of opts.baseline.durationsMs) this.duration.record(d);
    for (const reason of ALERT_REASONS) this.alerts.add(opts.alertBaseline?.[reason] ?? 0, { reason });
  }

  recordRun(status: ExecutionStatus, durationMs: number): void {
    this.runs.add(1, { status } satisfies Attributes);
    if (Number.isFinite(durationMs) && durationMs >= 0) this.duration.record(durationMs);
  }

  recordAlert(reason: AlertReason): void {
    this.alerts.add(1, { reason });
  }

  async collect(): Promise<CollectionResult> {
    return this.reader.collect();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
