import { randomBytes, randomUUID } from 'node:crypto';
import { readTelemetryConfig, redactUrl, type TelemetryConfig } from './config.js';
import {
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
  nextStreak,
  summariseHistory,
} from './history.js';
import { RUN_ID_LABEL, SandboxMetrics } from './metrics.js';
import { exportOtlp } from './otlp.js';
import { toPrometheusText } from './prometheus-text.js';
import { type GroupingKey, pushToGateway } from './pushgateway.js';
import { expireGroups } from './pushgateway-expiry.js';
import { defaultEventSink, stderrSink } from './sink.js';
import { isFailure, type RunStatus } from './statuses.js';

/**
 * The gate's one telemetry object: structured events as they happen, metrics sent
 * once by `flush()` at the end of the run. Nothing here can fail a gate: recording
 * is synchronous and local, and flush() catches, logs a `telemetry.warning` line,
 * and returns within the configured timeout (default 5 s) whatever the endpoints do.
 */

/**
 * An id for one gate run, unique even among the jobs of one workflow run: matrix and
 * sharded jobs share GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, and two jobs with one id
 * would overwrite each other's Pushgateway group. The GitHub part stays readable so a
 * person can go from a metric's `run_id` to the workflow run.
 */
export function newRunId(env: NodeJS.ProcessEnv): string {
  const run = env.GITHUB_RUN_ID?.trim();
  if (!run) return randomUUID();
  return `${run}-${env.GITHUB_RUN_ATTEMPT?.trim() || '1'}-${randomBytes(4).toString('hex')}`;
}

export interface TelemetryOptions {
  env: NodeJS.ProcessEnv;
  /**
   * Identifies this gate run in every event and as the `run_id` label and Pushgateway
   * grouping key of its metrics; must be unique per run (see newRunId).
   */
  runId: string;
  /**
   * Sink for single-line JSON events; default: a line on stderr when telemetry was
   * asked for (AIRLOCK_TELEMETRY, or an endpoint configured), else nowhere (sink.ts).
   */
  log?: (line: string) => void;
  /**
   * The audit history before this run, oldest first (parsed entries), or its summary.
   * The failure streak continues from it; counters never do (each run reports its
   * own counts; see metrics.ts). Omitted = a fresh start.
   */
  history?: Iterable<HistoryEntry> | HistoryBaseline;
  /** The clock of the report time and of the Pushgateway cleanup; default the system clock. */
  now?: () => Date;
  /** Overrides AIRLOCK_METRICS_INSTANCE / GITHUB_REPOSITORY. */
  instance?: string;
  /** A `failure_streak` alert is raised when the streak reaches this (default 3, as SandboxFailureBurst). */
  streakAlertThreshold?: number;
}

export interface SandboxRunInput {
  status: RunStatus;
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
  /**
   * Sends metrics to the configured endpoints, then deletes this instance's expired
   * Pushgateway groups. Never throws; bounded by config.timeoutMs.
   */
  flush(): Promise<FlushResult>;
}

function isBaseline(h: TelemetryOptions['history']): h is HistoryBaseline {
  return typeof h === 'object' && h !== null && !(Symbol.iterator in h) && 'failureStreak' in h;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.name === 'TimeoutError' ? 'timed out' : e.message}${cause}`;
  }
  return String(e);
}

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const config = readTelemetryConfig(opts.env, { instance: opts.instance });
  // A misconfigured endpoint is always worth a line; the per-run events only when asked.
  for (const w of config.warnings) (opts.log ?? stderrSink)(warningEventLine(w.target, w.message));
  const log = opts.log ?? defaultEventSink(opts.env, config);
  const baseline =
    opts.history === undefined
      ? emptyBaseline()
      : isBaseline(opts.history)
        ? opts.history
        : summariseHistory(opts.history);
  const now = opts.now ?? (() => new Date());
  const metrics = new SandboxMetrics({
    job: config.job,
    instance: config.instance,
    runId: opts.runId,
    now,
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
        const key: GroupingKey = [
          ['job', config.job],
          ['instance', config.instance],
          [RUN_ID_LABEL, opts.runId],
        ];
        // One deadline for the push and the cleanup after it: flush stays bounded.
        const signal = AbortSignal.timeout(config.timeoutMs);
        tasks.push(
          (async () => {
            try {
              await pushToGateway(url, key, body, signal);
              result.pushgateway = 'sent';
            } catch (e) {
              result.pushgateway = 'failed';
              log(
                warningEventLine(
                  'pushgateway',
                  `metrics not pushed to ${redactUrl(url)}: ${errorMessage(e)}`,
                ),
              );
              return;
            }
            try {
              await expireGroups({
                base: url,
                job: config.job,
                instance: config.instance,
                runId: opts.runId,
                retentionSeconds: config.retentionSeconds,
                nowSeconds: now().getTime() / 1000,
                signal,
              });
            } catch (e) {
              // The push went through; an old group left behind is the next run's to delete.
              log(
                warningEventLine(
                  'pushgateway',
                  `expired groups not deleted from ${redactUrl(url)}: ${errorMessage(e)}`,
                ),
              );
            }
          })(),
        );
      }
      await Promise.all(tasks);
      return result;
    },
  };
  return telemetry;
}
