import type { ExecutionStatus } from '../report/types.js';

/**
 * What telemetry needs from the audit history, so that counts survive across CI
 * runs: each CI job is a fresh process, but the audit log is carried from run to
 * run (it is the project's memory). The caller parses the log (src/audit/) and
 * passes its entries; this module only reads `kind` and `data`, and treats every
 * field as untrusted input (a log that does not verify never gets here, but a
 * field of the wrong type must still not crash a gate or poison a counter).
 */

/** The part of an audit entry this module reads (DESIGN.md, audit log format v1). */
export interface HistoryEntry {
  kind: string;
  data: unknown;
}

/** Audit entry kind of one sandboxed execution; `data.status` is an ExecutionStatus. */
export const EXECUTION_KIND = 'execution';

const STATUSES: readonly ExecutionStatus[] = ['success', 'failure', 'timeout', 'oom', 'error', 'cancelled'];

export interface HistoryBaseline {
  /** Runs so far per status: the starting value of `sandbox_runs_total{status}`. */
  runsByStatus: Record<ExecutionStatus, number>;
  /** Durations of past runs, replayed into `sandbox_duration_ms` so the histogram is cumulative too. */
  durationsMs: number[];
  /** Consecutive non-successful runs at the end of the history. */
  failureStreak: number;
}

export function emptyBaseline(): HistoryBaseline {
  return {
    runsByStatus: { success: 0, failure: 0, timeout: 0, oom: 0, error: 0, cancelled: 0 },
    durationsMs: [],
    failureStreak: 0,
  };
}

function executionOf(
  entry: HistoryEntry,
): { status: ExecutionStatus; durationMs: number | undefined } | undefined {
  if (entry.kind !== EXECUTION_KIND || typeof entry.data !== 'object' || entry.data === null)
    return undefined;
  const data = entry.data as Record<string, unknown>;
  // Accept both a flat entry and one that nests the report's ExecutionResult.
  const source =
    typeof data.execution === 'object' && data.execution !== null
      ? (data.execution as Record<string, unknown>)
      : data;
  const status = source.status;
  if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) return undefined;
  const d = source.durationMs;
  const durationMs = typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : undefined;
  return { status: status as ExecutionStatus, durationMs };
}

/**
 * Consecutive failed executions at the end of `entries` (oldest first). Every status
 * but `success` and `cancelled` counts as failed: a timeout or an OOM kill is a run
 * that did not do its job. A cancelled run says nothing about the script (someone
 * stopped the job), so it neither counts nor breaks the streak, like entries of other
 * kinds (scans, decisions, checkpoints); one successful execution resets it to 0.
 */
export function failureStreakFromEntries(entries: Iterable<HistoryEntry>): number {
  let streak = 0;
  for (const entry of entries) {
    const exec = executionOf(entry);
    if (!exec) continue;
    streak = nextStreak(streak, exec.status);
  }
  return streak;
}

/** The failure streak after one more run of `status`. */
export function nextStreak(streak: number, status: ExecutionStatus): number {
  if (status === 'cancelled') return streak;
  return status === 'success' ? 0 : streak + 1;
}

/** Totals and the streak in one pass over the history (oldest first). */
export function summariseHistory(entries: Iterable<HistoryEntry>): HistoryBaseline {
  const base = emptyBaseline();
  for (const entry of entries) {
    const exec = executionOf(entry);
    if (!exec) continue;
    base.runsByStatus[exec.status] += 1;
    if (exec.durationMs !== undefined) base.durationsMs.push(exec.durationMs);
    base.failureStreak = nextStreak(base.failureStreak, exec.status);
  }
  return base;
}

/** A run that did not do its job; a cancelled one was stopped from outside and is not. */
export function isFailure(status: ExecutionStatus): boolean {
  return status !== 'success' && status !== 'cancelled';
}
