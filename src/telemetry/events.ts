import type { RunStatus } from './statuses.js';

/**
 * Structured log events (DESIGN.md, "Telemetry names"). One event = one line of
 * JSON, so a log shipper (or `grep '"event":"telemetry.sandbox"' | jq`) can split
 * them without a parser for our text. JSON.stringify escapes newlines and control
 * characters, so a hostile script path such as "a.py\n{\"event\":...}" cannot forge
 * a second event line.
 */

/** What the gate knows about one sandboxed run when it records it. */
export interface SandboxRunRecord {
  status: RunStatus;
  durationMs: number;
  /** Null when the container never produced an exit code (e.g. it could not start). */
  exitCode: number | null;
  /** Relative to the workspace, as in the report. */
  scriptPath: string;
  /** Hex SHA-256 of the script's bytes. */
  sha256: string;
  /**
   * Consecutive failed runs ending with this one: the count from the audit history
   * (see failureStreakFromEntries) plus this run's, 0 after a success, unchanged by a
   * cancelled run. Computed by the caller or by `Telemetry` from its baseline.
   */
  failureStreak: number;
}

/** Why Airlock raised an alert; each is a label value of `sandbox_alerts_total{reason}`. */
export const ALERT_REASONS = [
  'failure_streak',
  'smoke_failed',
  'scanner_unavailable',
  'image_missing',
  'sandbox_error',
] as const;
export type AlertReason = (typeof ALERT_REASONS)[number];

export interface AlertRecord {
  reason: AlertReason;
  /** One line for a person; optional. */
  detail?: string;
  scriptPath?: string;
}

export function sandboxEventLine(e: SandboxRunRecord, runId: string, now: Date = new Date()): string {
  return JSON.stringify({
    event: 'telemetry.sandbox',
    time: now.toISOString(),
    run_id: runId,
    script_path: e.scriptPath,
    script_sha256: e.sha256,
    status: e.status,
    duration_ms: Math.round(e.durationMs),
    exit_code: e.exitCode,
    failure_streak: e.failureStreak,
  });
}

export function alertEventLine(a: AlertRecord, runId: string, now: Date = new Date()): string {
  return JSON.stringify({
    event: 'telemetry.alert',
    time: now.toISOString(),
    run_id: runId,
    reason: a.reason,
    ...(a.scriptPath === undefined ? {} : { script_path: a.scriptPath }),
    ...(a.detail === undefined ? {} : { detail: a.detail }),
  });
}

/** A problem with telemetry itself (an export that failed): logged, never thrown. */
export function warningEventLine(target: string, message: string, now: Date = new Date()): string {
  return JSON.stringify({ event: 'telemetry.warning', time: now.toISOString(), target, message });
}
