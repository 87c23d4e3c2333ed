import type { ExecutionStatus } from '../report/types.js';
import { readTelemetryConfig, redactUrl, type TelemetryConfig } from './config.js';
import {
  type AlertReason,
  type AlertRecord,
  alertEventLine,
  type SandboxRunRecord,
  sandboxEventLine,
  warningEventLine,
} from './events.js';
import {
  emptyBaseline,
  type HistoryBaseline,
  type HistoryEntry,
  isFailure,
  nextStreak,
  summariseHistory,
} from './history.js';
import { SandboxMetrics } from './metrics.js';
import { exportOtlp } from './otlp.js';
import { toPrometheusText } from './prometheus-text.js';
import { pushToGateway } from './pushgateway.js';

/**
 * The gate's one telemetry object: structured events as they happen, metrics sent
 * once by `flush()` at the end of the run. Nothing here can fail a gate: recording
 * is synchronous and local, and flush() catches, logs a `telemetry.warning` line,
 * and returns within the configured timeout (default 5 s) whatever the endpoints do.
 */

export interface TelemetryOptions {
  env: NodeJS.ProcessEnv;
  /** Identifies this gate run in every event (e.g. GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT). */
  runId: string;
  /** Sink for single-line JSON events; default: a line on stderr. */
  log?: (line: string) => void;
  /**
   * The audit history before this run, oldest first (parsed entries), or its summary.
   * Counters and the failure streak continue from it; omitted = a fresh start.
   */
  history?: Iterable<HistoryEntry> | HistoryBaseline;
  /** Alerts raised before this run, per reason, if the caller keeps them. */
  alertBaseline?: Partial<Record<AlertReason, number>>;
  /** Overrides AIRLOCK_METRICS_INSTANCE / GITHUB_REPOSITORY. */
  instance?: string;
  /** A `failure_streak` alert is raised when the streak reaches this (default 3, as SandboxFailureBurst). */
  streakAlertThreshold?: number;
}

export interface SandboxRunInput {
  status: ExecutionStatus;
  durationMs: number;
  exitCode: number | null;
  scriptPath: string;
  sha256: string;
  /** Give it to override the streak Telemetry keeps from the history; normally omit. */
  failureStreak?: number;
}

export type ExportOutcome = 'off' | 'sent' | 'failed';

export interface FlushResult {
  otlp: ExportOutcome;
  pushgateway: ExportOutcome;
}

export interface Telemetry {
  readonly config: TelemetryConfig;
  /** Current consecutive-failure count (history + this run). */
  readonly failureStreak: number;
  /** Logs a `telemetry.sandbox` event and counts the run; returns the event as recorded. */
  recordSandboxRun(e: SandboxRunInput): SandboxRunRecord;
  /** Logs a `telemetry.alert` event and counts it in `sandbox_alerts_total{reason}`. */
  recordAlert(a: AlertRecord): void;
  /** The metrics as the Pushgateway receives them (Prometheus text format). */
  metricsText(): Promise<string>;
  /** Sends metrics to the configured endpoints. Never throws; bounded by config.timeoutMs. */
  flush(): Promise<FlushResult>;
}

function isBaseline(h: TelemetryOptions['history']): h is HistoryBaseline {
  return typeof h === 'object' && h !== null && 'runsByStatus' in h && 'failureStreak' in h;
}

const stderrSink = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.name === 'TimeoutError' ? 'timed out' : e.message}${cause}`;
  }
  return String(e);
}

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const log = opts.log ?? stderrSink;
  const config = readTelemetryConfig(opts.env, { instance: opts.instance });
  for (const w of config.warnings) log(warningEventLine(w.target, w.message));
  const baseline =
    opts.history === undefined
      ? emptyBaseline()
      : isBaseline(opts.history)
        ? opts.history
        : summariseHistory(opts.history);
  const metrics = new SandboxMetrics({
    job: config.job,
    instance: config.instance,
    baseline,
    alertBaseline: opts.alertBaseline,
  });
  const threshold = opts.streakAlertThreshold ?? 3;
  let streak = baseline.failureStreak;

  const telemetry: Telemetry = {
    config,
    get failureStreak() {
      return streak;
    },

    recordSandboxRun(e) {
      streak = e.failureStreak ?? nextStreak(streak, e.status);
      const record: SandboxRunRecord = { ...e, failureStreak: streak };
      log(sandboxEventLine(record, opts.runId));
      metrics.recordRun(e.status, e.durationMs);
      // Raised once, when the streak reaches the threshold, not on every later failure.
      if (isFailure(e.status) && streak === threshold) {
        telemetry.recordAlert({
          reason: 'failure_streak',
          scriptPath: e.scriptPath,
          detail: `${streak} sandboxed runs failed in a row`,
        });
      }
      return record;
    },

    recordAlert(a) {
      log(alertEventLine(a, opts.runId));
      metrics.recordAlert(a.reason);
    },

    async metricsText() {
      const { resourceMetrics } = await metrics.collect();
      return toPrometheusText(resourceMetrics);
    },

    async flush() {
      const result: FlushResult = { otlp: 'off', pushgateway: 'off' };
      if (!config.otlpUrl && !config.pushgatewayUrl) return result;
      let collected: Awaited<ReturnType<SandboxMetrics['collect']>>;
      try {
        collected = await metrics.collect();
      } catch (e) {
        log(warningEventLine('metrics', `collecting metrics failed: ${errorMessage(e)}`));
        return {
          otlp: config.otlpUrl ? 'failed' : 'off',
          pushgateway: config.pushgatewayUrl ? 'failed' : 'off',
        };
      }
      const tasks: Promise<void>[] = [];
      if (config.otlpUrl) {
        const url = config.otlpUrl;
        tasks.push(
          exportOtlp(url, collected.resourceMetrics, config.timeoutMs).then(
            () => {
              result.otlp = 'sent';
            },
            (e: unknown) => {
              result.otlp = 'failed';
              log(warningEventLine('otlp', `metrics not sent to ${redactUrl(url)}: ${errorMessage(e)}`));
            },
          ),
        );
      }
      if (config.pushgatewayUrl) {
        const url = config.pushgatewayUrl;
        const body = toPrometheusText(collected.resourceMetrics);
        tasks.push(
          pushToGateway(url, config.job, config.instance, body, config.timeoutMs).then(
            () => {
              result.pushgateway = 'sent';
            },
            (e: unknown) => {
              result.pushgateway = 'failed';
              log(
                warningEventLine(
                  'pushgateway',
                  `metrics not pushed to ${redactUrl(url)}: ${errorMessage(e)}`,
                ),
              );
            },
          ),
        );
      }
      await Promise.all(tasks);
      return result;
    },
  };
  return telemetry;
}
