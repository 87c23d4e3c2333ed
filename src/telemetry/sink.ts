import type { TelemetryConfig } from './config.js';

/**
 * Where the `telemetry.*` JSON event lines go when the caller gives no sink.
 *
 * Off by default: one JSON line per script on stderr buried the verdict and the
 * findings in a terminal and in the Actions log (issue 20). They are written to stderr
 * only when someone asked for telemetry:
 * - AIRLOCK_TELEMETRY=stderr (or 1, true, on), which the CLI's `--telemetry` sets;
 * - or a metrics endpoint is configured (OTLP or Pushgateway): whoever collects the
 *   metrics also wants the per-run lines that the runbook greps for in the job log.
 * AIRLOCK_TELEMETRY=off (or 0, false) keeps them off even with an endpoint.
 * Configuration warnings do not go through here: they are always shown.
 */
export type EventSink = (line: string) => void;

const ON = new Set(['stderr', '1', 'true', 'on', 'yes']);
const OFF = new Set(['off', '0', 'false', 'no', 'none']);

export function telemetryEventsWanted(env: NodeJS.ProcessEnv, config: TelemetryConfig): boolean {
  const asked = env.AIRLOCK_TELEMETRY?.trim().toLowerCase();
  if (asked && OFF.has(asked)) return false;
  if (asked && ON.has(asked)) return true;
  return config.otlpUrl !== undefined || config.pushgatewayUrl !== undefined;
}

export const stderrSink: EventSink = (line) => {
  process.stderr.write(`${line}\n`);
};

const dropSink: EventSink = () => {};

export function defaultEventSink(env: NodeJS.ProcessEnv, config: TelemetryConfig): EventSink {
  return telemetryEventsWanted(env, config) ? stderrSink : dropSink;
}
