import { describe, expect, it } from 'vitest';
import type { GatewayGroup } from '../../../src/telemetry/pushgateway.js';
import { MAX_DELETIONS_PER_RUN, staleGroups } from '../../../src/telemetry/pushgateway-expiry.js';

const NOW = 1_800_000_000;
const HOUR = 3600;
const opts = {
  job: 'airlock',
  instance: 'octo/repo',
  runId: 'me',
  retentionSeconds: 2 * HOUR,
  nowSeconds: NOW,
};

function group(labels: Record<string, string>, reportAgo?: number, pushAgo?: number): GatewayGroup {
  return {
    labels,
    reportTimeSeconds: reportAgo === undefined ? undefined : NOW - reportAgo,
    pushTimeSeconds: pushAgo === undefined ? undefined : NOW - pushAgo,
  };
}

describe('staleGroups', () => {
  it("selects only this instance's runs older than the retention, never this run", () => {
    const mine = { job: 'airlock', instance: 'octo/repo' };
    const stale = staleGroups(
      [
        group({ ...mine, run_id: 'old' }, 3 * HOUR, 1),
        group({ ...mine, run_id: 'fresh' }, HOUR, 3 * HOUR),
        // This run, even if its clock were wrong.
        group({ ...mine, run_id: 'me' }, 9 * HOUR, 9 * HOUR),
        // An older Airlock's cumulative group: no report time, so the gateway's push time.
        group(mine, undefined, 5 * HOUR),
        group({ ...mine, run_id: 'unknown-age' }),
        // Someone else's groups on a shared gateway.
        group({ job: 'airlock', instance: 'other/repo', run_id: 'x' }, 9 * HOUR),
        group({ job: 'batch', instance: 'octo/repo', run_id: 'x' }, 9 * HOUR),
        group({ ...mine, run_id: 'x', shard: '1' }, 9 * HOUR),
      ],
      opts,
    );
    expect(stale).toEqual([
      [
        ['job', 'airlock'],
        ['instance', 'octo/repo'],
        ['run_id', 'old'],
      ],
      [
        ['job', 'airlock'],
        ['instance', 'octo/repo'],
      ],
    ]);
  });

  it('bounds the deletions of one run', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      group({ job: 'airlock', instance: 'octo/repo', run_id: String(i) }, 3 * HOUR),
    );
    expect(staleGroups(many, opts)).toHaveLength(MAX_DELETIONS_PER_RUN);
  });
});
