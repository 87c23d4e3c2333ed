import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERT_REASONS } from '../../../src/telemetry/events.js';
import {
  METRIC_ALERTS,
  METRIC_DURATION,
  METRIC_REPORT_TIME,
  METRIC_RUNS,
} from '../../../src/telemetry/metrics.js';
import { RUN_STATUSES } from '../../../src/telemetry/statuses.js';

/**
 * No OpenTelemetry Collector binary exists on the build machines (not in Debian,
 * no registry to pull one from), so this checks the wiring of ops/otel/collector.yaml
 * and that the names in ops/ match the names the code emits.
 */

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field below
const load = (p: string): any => parse(readFileSync(p, 'utf8'));

describe('ops/otel/collector.yaml', () => {
  const cfg = load('ops/otel/collector.yaml');

  it('wires an OTLP/HTTP receiver into a Prometheus exporter in a metrics pipeline', () => {
    const pipeline = cfg.service.pipelines.metrics;
    expect(pipeline.receivers).toContain('otlp');
    expect(pipeline.exporters).toContain('prometheus');
    expect(cfg.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
    // Every component a pipeline names is defined, and vice versa nothing is dangling.
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const name of pipeline[kind] ?? []) expect(Object.keys(cfg[kind] ?? {})).toContain(name);
      for (const name of Object.keys(cfg[kind] ?? {})) expect(pipeline[kind]).toContain(name);
    }
    // memory_limiter must come first among processors (the collector's own rule).
    expect(pipeline.processors[0]).toBe('memory_limiter');
  });

  it('keeps the metric names exactly as DESIGN.md and the alert rules spell them', () => {
    expect(cfg.exporters.prometheus.add_metric_suffixes).toBe(false);
    // A run's series must outlive the longest alert window, 1 h (see the comment in the file).
    const exp = String(cfg.exporters.prometheus.metric_expiration);
    expect(exp).toMatch(/^\d+h$/);
    expect(Number.parseInt(exp, 10)).toBeGreaterThan(1);
  });

  it('is scraped by ops/prometheus.yml with the pushed job/instance kept', () => {
    const prom = load('ops/prometheus.yml');
    const port = String(cfg.exporters.prometheus.endpoint).split(':').at(-1);
    const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'otel-collector');
    expect(job.honor_labels).toBe(true);
    expect(job.static_configs[0].targets[0]).toMatch(new RegExp(`:${port}$`));
    const gw = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'pushgateway');
    expect(gw.honor_labels).toBe(true);
  });
});

describe('ops/alerts.yml names', () => {
  it('uses only metrics, statuses and reasons the telemetry code emits', () => {
    const rules = load('ops/alerts.yml').groups.flatMap((g: { rules: { expr: string }[] }) => g.rules);
    const emitted = new Set([METRIC_RUNS, METRIC_ALERTS, METRIC_DURATION, METRIC_REPORT_TIME]);
    const exprs: string[] = rules.map((r: { expr: string }) => r.expr);
    const used = new Set(exprs.flatMap((e) => e.match(/\bsandbox_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(emitted).toContain(name.replace(/_(bucket|sum|count)$/, ''));
    const statuses = exprs.flatMap((e) =>
      [...e.matchAll(/status(?:=|!=|=~|!~)"([^"]+)"/g)].flatMap((m) => m[1]!.split('|')),
    );
    expect(statuses).toContain('cancelled');
    for (const s of statuses) expect(RUN_STATUSES).toContain(s);
    const reasons = exprs.flatMap((e) => [...e.matchAll(/reason="([^"]+)"/g)].map((m) => m[1]));
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(ALERT_REASONS).toContain(r);
    expect(rules.map((r: { alert: string }) => r.alert)).toContain('SandboxFailureBurst');
  });
});
