import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '../../../src/telemetry/metrics.js';
import { createTelemetry, newRunId } from '../../../src/telemetry/telemetry.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics in Prometheus text', () => {
  it("holds this run's own counts, labelled run_id, whatever the history, and when it reported them", async () => {
    const reportedAt = new Date('2026-12-06T12:00:00Z');
    const t = createTelemetry({
      env: {},
      runId: '77-1-ab',
      log: () => undefined,
      // Two failures before this run: they feed the streak, never the counters.
      history: { failureStreak: 2 },
      now: () => reportedAt,
    });
    t.recordSandboxRun({ status: 'failure', durationMs: 700, exitCode: 1, scriptPath: 'a.py', sha256: 'x' });
    t.recordSandboxRun({
      status: 'cancelled',
      durationMs: 300,
      exitCode: null,
      scriptPath: 'b.py',
      sha256: 'y',
    });
    // 2 from the history + this failure; the cancelled run left it alone.
    expect(t.failureStreak).toBe(3);
    t.recordSandboxRun({ status: 'success', durationMs: 4000, exitCode: 0, scriptPath: 'c.py', sha256: 'z' });
    t.recordAlert({ reason: 'scanner_unavailable' });
    const text = await t.metricsText();
    const r = 'run_id="77-1-ab"';
    expect(sample(text, `sandbox_runs_total{${r},status="failure"}`)).toBe(1);
    expect(sample(text, `sandbox_runs_total{${r},status="success"}`)).toBe(1);
    // Counted, under its own status (never as a failure).
    expect(sample(text, `sandbox_runs_total{${r},status="cancelled"}`)).toBe(1);
    // Zero-valued series exist: "no OOM in this run" is data, not a gap.
    expect(sample(text, `sandbox_runs_total{${r},status="oom"}`)).toBe(0);
    expect(sample(text, `sandbox_alerts_total{${r},reason="smoke_failed"}`)).toBe(0);
    expect(sample(text, `sandbox_alerts_total{${r},reason="scanner_unavailable"}`)).toBe(1);
    // The streak reached 3 with this run's failure: an alert of its own.
    expect(sample(text, `sandbox_alerts_total{${r},reason="failure_streak"}`)).toBe(1);
    expect(sample(text, `sandbox_report_timestamp_seconds{${r}}`)).toBe(reportedAt.getTime() / 1000);
    // Histogram buckets are cumulative in Prometheus: 300 <= 500, 700 <= 1000, 4000 <= 5000.
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="250"}`)).toBe(0);
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="500"}`)).toBe(1);
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="1000"}`)).toBe(2);
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="2500"}`)).toBe(2);
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="5000"}`)).toBe(3);
    expect(sample(text, `sandbox_duration_ms_bucket{${r},le="+Inf"}`)).toBe(3);
    expect(sample(text, `sandbox_duration_ms_count{${r}}`)).toBe(3);
    expect(sample(text, `sandbox_duration_ms_sum{${r}}`)).toBe(5000);
    const buckets = text.split('\n').filter((l) => l.startsWith('sandbox_duration_ms_bucket'));
    expect(buckets).toHaveLength(DURATION_BUCKETS_MS.length + 1);
    // job/instance are the Pushgateway grouping key, never pushed labels (a clash is rejected).
    expect(text).not.toMatch(/\b(job|instance)="/);
  });
});

describe('newRunId', () => {
  it('keeps the workflow run readable and still tells apart the jobs of one workflow run', () => {
    const env = { GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '2' };
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(env)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^9876543210-2-[0-9a-f]{8}$/);
    expect(newRunId({})).toMatch(/^[0-9a-f-]{36}$/);
  });
});
