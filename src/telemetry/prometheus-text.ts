import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * Renders collected OpenTelemetry metrics in the Prometheus text exposition format
 * (version 0.0.4), the body the Pushgateway accepts. `@opentelemetry/exporter-prometheus`
 * has a serializer, but it is not a dependency of this project and this is the
 * small subset we need: monotonic sums as counters, explicit-bucket histograms.
 *
 * Resource attributes (job, instance) are NOT rendered as labels: on the Pushgateway
 * they are the grouping key in the URL, and a pushed label that clashes with the
 * grouping key is rejected.
 */

/** Prometheus metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes `_`. */
function sanitizeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(s) ? s : `_${s}`;
}

/** Label values are attacker-influenced (statuses are ours, but be safe): escape \, " and newline. */
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function labels(attrs: Record<string, unknown>, extra: [string, string][] = []): string {
  const pairs: [string, string][] = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => [sanitizeName(k), String(v)]);
  pairs.push(...extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function renderMetric(m: MetricData): string[] {
  const name = sanitizeName(m.descriptor.name);
  const head = m.descriptor.description ? [`# HELP ${name} ${escapeHelp(m.descriptor.description)}`] : [];
  switch (m.dataPointType) {
    case DataPointType.SUM: {
      const type = m.isMonotonic ? 'counter' : 'gauge';
      const lines = [...head, `# TYPE ${name} ${type}`];
      for (const p of m.dataPoints) lines.push(`${name}${labels(p.attributes)} ${formatNumber(p.value)}`);
      return lines;
    }
    case DataPointType.GAUGE: {
      const lines = [...head, `# TYPE ${name} gauge`];
      for (const p of m.dataPoints) lines.push(`${name}${labels(p.attributes)} ${formatNumber(p.value)}`);
      return lines;
    }
    case DataPointType.HISTOGRAM: {
      const lines = [...head, `# TYPE ${name} histogram`];
      for (const p of m.dataPoints) {
        const { boundaries, counts } = p.value.buckets;
        // OTel counts are per bucket; Prometheus buckets are cumulative (le = "less or equal").
        let cumulative = 0;
        boundaries.forEach((bound, i) => {
          cumulative += counts[i] ?? 0;
          lines.push(`${name}_bucket${labels(p.attributes, [['le', formatNumber(bound)]])} ${cumulative}`);
        });
        lines.push(`${name}_bucket${labels(p.attributes, [['le', '+Inf']])} ${p.value.count}`);
        lines.push(`${name}_sum${labels(p.attributes)} ${formatNumber(p.value.sum ?? 0)}`);
        lines.push(`${name}_count${labels(p.attributes)} ${p.value.count}`);
      }
      return lines;
    }
    default:
      // Exponential histograms are not used by Airlock; skip rather than emit a wrong shape.
      return [];
  }
}

export function toPrometheusText(rm: ResourceMetrics): string {
  const lines: string[] = [];
  for (const scope of rm.scopeMetrics) {
    for (const metric of scope.metrics) lines.push(...renderMetric(metric));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
