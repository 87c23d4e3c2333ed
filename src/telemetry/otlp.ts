import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

type ExportResult = Parameters<Parameters<OTLPMetricExporter['export']>[1]>[0];

/** ExportResultCode.SUCCESS in @opentelemetry/core (a transitive dependency we do not import). */
const EXPORT_SUCCESS = 0;

/**
 * Sends collected metrics once over OTLP/HTTP (JSON encoding, what this exporter
 * package speaks; the collector's otlp receiver accepts it on :4318). The exporter is built here,
 * only when an endpoint is configured, so an unconfigured gate never opens a socket.
 * Bounded twice: the exporter's own timeoutMillis, and a race against a timer in case
 * its retry logic outlives that.
 */
export async function exportOtlp(url: URL, metrics: ResourceMetrics, timeoutMs: number): Promise<void> {
  // Headers (e.g. an API key) come from OTEL_EXPORTER_OTLP_HEADERS, read by the exporter itself.
  const exporter = new OTLPMetricExporter({ url: url.href, timeoutMillis: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  try {
    const sent = new Promise<void>((resolve, reject) => {
      exporter.export(metrics, (result: ExportResult) => {
        if (result.code === EXPORT_SUCCESS) resolve();
        else reject(result.error ?? new Error('OTLP export failed'));
      });
    });
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 250);
    });
    await Promise.race([sent, expired]);
  } finally {
    if (timer) clearTimeout(timer);
    await exporter.shutdown().catch(() => undefined);
  }
}
