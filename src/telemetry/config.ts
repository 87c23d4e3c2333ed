/**
 * Where telemetry goes, read once from the environment (the Action's or the CLI's).
 * Nothing configured = nothing sent: no exporter is even constructed, so a gate on
 * an air-gapped runner makes no network connection for telemetry.
 *
 * - OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (full URL) or OTEL_EXPORTER_OTLP_ENDPOINT
 *   (base URL, `/v1/metrics` appended), as the OpenTelemetry spec defines them.
 * - AIRLOCK_PUSHGATEWAY_URL: base URL of a Prometheus Pushgateway, for shops without
 *   a collector. CI jobs live for minutes; a scrape would miss them, a push does not.
 * - AIRLOCK_METRICS_INSTANCE: the `instance` label; default GITHUB_REPOSITORY. The
 *   alert rules add up the runs of one instance, so it names the repository (or
 *   whatever should alert as one), never one CI run: each run is told apart by its
 *   own `run_id` label (see metrics.ts).
 * - AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES: after its push, a gate run deletes its
 *   instance's groups whose runs reported longer ago than this (default 120,
 *   60..10080). The Pushgateway never forgets a group by itself; the floor keeps every
 *   group alive for the longest window in ops/alerts.yml (1 h).
 * - AIRLOCK_TELEMETRY_TIMEOUT_MS: bound on each export (default 5000, 100..30000).
 * - OTEL_SDK_DISABLED=true turns every export off (the spec's kill switch).
 *
 * A malformed value is never fatal: telemetry must not fail a gate. It yields a
 * warning and that target stays off.
 */

export interface TelemetryConfig {
  otlpUrl: URL | undefined;
  pushgatewayUrl: URL | undefined;
  job: string;
  instance: string;
  timeoutMs: number;
  /** Groups of this instance whose runs are older than this are deleted after a push. */
  retentionSeconds: number;
  warnings: { target: string; message: string }[];
}

export const DEFAULT_TIMEOUT_MS = 5000;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_RETENTION_MINUTES = 120;
/** The longest rule window in ops/alerts.yml (SandboxImageSmokeFailed, 1 h). */
const MIN_RETENTION_MINUTES = 60;
const MAX_RETENTION_MINUTES = 7 * 24 * 60;

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/** Parses an http(s) URL; other schemes (file:, data:, javascript:) are refused. */
function parseHttpUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not http(s)`;
  return url;
}

/** A URL for logs: never the userinfo (a Pushgateway password) or the query (tokens). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function readTelemetryConfig(
  env: NodeJS.ProcessEnv,
  overrides: { job?: string; instance?: string } = {},
): TelemetryConfig {
  const warnings: TelemetryConfig['warnings'] = [];
  const disabled = nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true';

  let otlpUrl: URL | undefined;
  const metricsEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  const baseEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const otlpRaw =
    metricsEndpoint ?? (baseEndpoint ? `${baseEndpoint.replace(/\/+$/, '')}/v1/metrics` : undefined);
  if (otlpRaw && !disabled) {
    const parsed = parseHttpUrl(otlpRaw);
    if (typeof parsed === 'string')
      warnings.push({ target: 'otlp', message: `OTLP endpoint ignored: ${parsed}` });
    else otlpUrl = parsed;
  }

  let pushgatewayUrl: URL | undefined;
  const pushRaw = nonEmpty(env.AIRLOCK_PUSHGATEWAY_URL);
  if (pushRaw && !disabled) {
    const parsed = parseHttpUrl(pushRaw);
    if (typeof parsed === 'string')
      warnings.push({ target: 'pushgateway', message: `AIRLOCK_PUSHGATEWAY_URL ignored: ${parsed}` });
    else pushgatewayUrl = parsed;
  }

  let timeoutMs = DEFAULT_TIMEOUT_MS;
  const timeoutRaw = nonEmpty(env.AIRLOCK_TELEMETRY_TIMEOUT_MS);
  if (timeoutRaw) {
    const n = Number(timeoutRaw);
    if (Number.isInteger(n) && n >= MIN_TIMEOUT_MS && n <= MAX_TIMEOUT_MS) timeoutMs = n;
    else
      warnings.push({
        target: 'config',
        message: `AIRLOCK_TELEMETRY_TIMEOUT_MS must be an integer in ${MIN_TIMEOUT_MS}..${MAX_TIMEOUT_MS}; using ${DEFAULT_TIMEOUT_MS}`,
      });
  }

  let retentionMinutes = DEFAULT_RETENTION_MINUTES;
  const retentionRaw = nonEmpty(env.AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES);
  if (retentionRaw) {
    const n = Number(retentionRaw);
    if (Number.isInteger(n) && n >= MIN_RETENTION_MINUTES && n <= MAX_RETENTION_MINUTES) retentionMinutes = n;
    else
      warnings.push({
        target: 'config',
        message: `AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES must be an integer in ${MIN_RETENTION_MINUTES}..${MAX_RETENTION_MINUTES}; using ${DEFAULT_RETENTION_MINUTES}`,
      });
  }

  const instance =
    nonEmpty(overrides.instance) ??
    nonEmpty(env.AIRLOCK_METRICS_INSTANCE) ??
    nonEmpty(env.GITHUB_REPOSITORY) ??
    'local';
  return {
    otlpUrl,
    pushgatewayUrl,
    job: nonEmpty(overrides.job) ?? 'airlock',
    instance,
    timeoutMs,
    retentionSeconds: retentionMinutes * 60,
    warnings,
  };
}
