import type { ExecutionStatus } from '../report/types.js';

/**
 * The execution statuses telemetry counts. `cancelled` (the job was cancelled or the
 * gate got SIGTERM while a script ran) is listed here even before every producer
 * emits it, so that a cancelled run is counted in `sandbox_runs_total{status}` the
 * day it appears, and never as a failure.
 */
export type RunStatus = ExecutionStatus | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = [
  'success',
  'failure',
  'timeout',
  'oom',
  'error',
  'cancelled',
];

/**
 * Whether a run counts as failed for the failure streak and SandboxFailureBurst:
 * every status but `success` and `cancelled`. A timeout or an OOM kill is a run that
 * did not do its job; a cancelled run was stopped by a person or the CI system and
 * says nothing about the script or the sandbox. ops/alerts.yml spells the same rule
 * as `status!~"success|cancelled"`.
 */
export function isFailure(status: RunStatus): boolean {
  return status !== 'success' && status !== 'cancelled';
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}
