import { isFailure, isRunStatus, type RunStatus } from './statuses.js';

/**
 * What telemetry takes from the audit history: the failure streak, which runs on
 * across gate runs that share a log (a self-hosted runner's workspace, or a log
 * restored from the audit branch). Counters do NOT come from here any more: each gate
 * run pushes only its own counts under its own Pushgateway group, and the alert rules
 * sum the groups (see metrics.ts and ops/alerts.yml). A fresh runner has an empty
 * local log, so counters continued from it were wrong by construction.
 *
 * The caller parses the log (src/audit/) and passes its entries; this module only
 * reads `kind` and `data`, and treats every field as untrusted input (a log that does
 * not verify never gets here, but a field of the wrong type must still not crash a
 * gate or poison the streak).
 */

/** The part of an audit entry this module reads (DESIGN.md, audit log format v1). */
export interface HistoryEntry {
  kind: string;
  data: unknown;
}

/** Audit entry kind of one sandboxed execution; `data.status` is an execution status. */
export const EXECUTION_KIND = 'execution';

export interface HistoryBaseline {
  /** Consecutive failed runs at the end of the history. */
  failureStreak: number;
}

export function emptyBaseline(): HistoryBaseline {
  return { failureStreak: 0 };
}

function statusOf(entry: HistoryEntry): RunStatus | undefined {
  if (entry.kind !== EXECUTION_KIND || typeof entry.data !== 'object' || entry.data === null)
    return undefined;
  const data = entry.data as Record<string, unknown>;
  // Accept both a flat entry and one that nests the report's ExecutionResult.
  const source =
    typeof data.execution === 'object' && data.execution !== null
      ? (data.execution as Record<string, unknown>)
      : data;
  return isRunStatus(source.status) ? source.status : undefined;
}

/** The streak after one more run: a success resets it, a cancelled run leaves it as it was. */
export function nextStreak(streak: number, status: RunStatus): number {
  if (status === 'success') return 0;
  return isFailure(status) ? streak + 1 : streak;
}

/**
 * Consecutive failed executions at the end of `entries` (oldest first). Entries of
 * other kinds (scans, decisions, checkpoints) neither count nor break the streak;
 * one successful execution resets it to 0; a cancelled one neither counts nor resets.
 */
export function failureStreakFromEntries(entries: Iterable<HistoryEntry>): number {
  let streak = 0;
  for (const entry of entries) {
    const status = statusOf(entry);
    if (status) streak = nextStreak(streak, status);
  }
  return streak;
}

export function summariseHistory(entries: Iterable<HistoryEntry>): HistoryBaseline {
  return { failureStreak: failureStreakFromEntries(entries) };
}
