import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '../../../src/telemetry/metrics.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics in Prometheus text', () => {
  it('starts counters from the audit history and adds this run', async () => {
    const t = createTelemetry({
      env: {},
      runId: 'r',
      log: () => undefined,
      history: {
        runsByStatus: { success: 5, failure: 2, timeout: 1, oom: 0, error: 0, cancelled: 0 },
        durationsMs: [300, 4000],
        failureStreak: 2,
      },
      alertBaseline: { smoke_failed: 4 },
    });
    t.recordSandboxRun({ status: 'failure', durationMs: 700, exitCode: 1, scriptPath: 'a.py', sha256: 'x' });
    t.recordAlert({ reason: 'scanner_unavailable' });
    const text = await t.metricsText();
    expect(sample(text, 'sandbox_runs_total{status="success"}')).toBe(5);
    expect(sample(text, 'sandbox_runs_total{status="failure"}')).toBe(3);
    expect(sample(text, 'sandbox_runs_total{status="timeout"}')).toBe(1);
    // Zero-valued series exist so a later first OOM is an increase Prometheus can see.
    expect(sample(text, 'sandbox_runs_total{status="oom"}')).toBe(0);
    expect(sample(text, 'sandbox_alerts_total{reason="smoke_failed"}')).toBe(4);
    expect(sample(text, 'sandbox_alerts_total{reason="scanner_unavailable"}')).toBe(1);
    // The streak reached 3 with this run: an alert of its own.
    expect(sample(text, 'sandbox_alerts_total{reason="failure_streak"}')).toBe(1);
    // Histogram buckets are cumulative in Prometheus: 300 <= 500, 700 <= 1000, 4000 <= 5000.
    expect(sample(text, 'sandbox_duration_ms_bucket{le="250"}')).toBe(0);
    expect(sample(text, 'sandbox_duration_ms_bucket{le="500"}')).toBe(1);
    expect(sample(text, 'sandbox_duration_ms_bucket{le="1000"}')).toBe(2);
    expect(sample(text, 'sandbox_duration_ms_bucket{le="2500"}')).toBe(2);
    expect(sample(text, 'sandbox_duration_ms_bucket{le="5000"}')).toBe(3);
    expect(sample(text, 'sandbox_duration_ms_bucket{le="+Inf"}')).toBe(3);
    expect(sample(text, 'sandbox_duration_ms_count')).toBe(3);
    expect(sample(text, 'sandbox_duration_ms_sum')).toBe(5000);
    const buckets = text.split('\n').filter((l) => l.startsWith('sandbox_duration_ms_bucket'));
    expect(buckets).toHaveLength(DURATION_BUCKETS_MS.length + 1);
    // job/instance are the Pushgateway grouping key, never pushed labels (a clash is rejected).
    expect(text).not.toMatch(/\b(job|instance)="/);
  });
});
