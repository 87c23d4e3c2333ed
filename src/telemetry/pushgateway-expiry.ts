import { deleteGroup, type GatewayGroup, type GroupingKey, listGroups } from './pushgateway.js';
import { METRIC_REPORT_TIME, RUN_ID_LABEL } from './metrics.js';

/**
 * Stale groups: the Pushgateway keeps every group until someone deletes it, and with
 * one group per gate run they would pile up forever (and Prometheus would ingest all
 * of them on every scrape). So after its own push, a gate run deletes the groups of
 * ITS OWN job and instance whose runs are older than the retention. It never touches
 * another instance's or another job's groups: on a shared gateway those belong to
 * someone else (the runbook has the operator's cleanup for abandoned instances).
 *
 * A group's age is its `sandbox_report_timestamp_seconds` (the time the rules' windows
 * use), or, for a group without one (pushed by an older Airlock, one cumulative group
 * per repository), the gateway's `push_time_seconds`.
 */

/** A bound on the work one gate run does for housekeeping; the next run takes the rest. */
export const MAX_DELETIONS_PER_RUN = 100;

export interface ExpiryOptions {
  base: URL;
  job: string;
  instance: string;
  /** This run: never deleted, whatever its clock says. */
  runId: string;
  retentionSeconds: number;
  nowSeconds: number;
  signal: AbortSignal;
}

/** The group's key in URL order, when it is one of ours: exactly {job, instance[, run_id]}. */
function ownKey(g: GatewayGroup, job: string, instance: string): GroupingKey | undefined {
  const { job: j, instance: i, [RUN_ID_LABEL]: runId, ...rest } = g.labels;
  if (j !== job || i !== instance || Object.keys(rest).length > 0) return undefined;
  const key: [string, string][] = [
    ['job', job],
    ['instance', instance],
  ];
  if (runId !== undefined) key.push([RUN_ID_LABEL, runId]);
  return key;
}

export function staleGroups(
  groups: GatewayGroup[],
  o: Omit<ExpiryOptions, 'base' | 'signal'>,
): GroupingKey[] {
  const stale: GroupingKey[] = [];
  for (const g of groups) {
    const key = ownKey(g, o.job, o.instance);
    if (!key || g.labels[RUN_ID_LABEL] === o.runId) continue;
    const reported = g.reportTimeSeconds ?? g.pushTimeSeconds;
    if (reported !== undefined && o.nowSeconds - reported > o.retentionSeconds) stale.push(key);
  }
  return stale.slice(0, MAX_DELETIONS_PER_RUN);
}

/** Deletes this instance's stale groups; returns how many. Throws on the first HTTP error. */
export async function expireGroups(o: ExpiryOptions): Promise<number> {
  const groups = await listGroups(o.base, o.signal, METRIC_REPORT_TIME);
  const stale = staleGroups(groups, o);
  for (const key of stale) await deleteGroup(o.base, key, o.signal);
  return stale.length;
}
