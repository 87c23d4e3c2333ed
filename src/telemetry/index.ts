/** Telemetry for the gate: structured events, metrics, exports (see telemetry.ts). */
export {
  createTelemetry,
  type FlushResult,
  newRunId,
  type SandboxRunInput,
  type Telemetry,
  type TelemetryOptions,
} from './telemetry.js';
export { ALERT_REASONS, type AlertReason, type AlertRecord, type SandboxRunRecord } from './events.js';
export {
  failureStreakFromEntries,
  summariseHistory,
  type HistoryBaseline,
  type HistoryEntry,
} from './history.js';
export { METRIC_ALERTS, METRIC_DURATION, METRIC_REPORT_TIME, METRIC_RUNS, RUN_ID_LABEL } from './metrics.js';
export { isFailure, RUN_STATUSES, type RunStatus } from './statuses.js';
