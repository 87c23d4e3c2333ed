import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGate } from '../../../src/gate/pipeline.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import { hostileGateSettings } from '../../helpers/hostile-gate.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import {
  fetchAlerts,
  gatewayGroups,
  type PrometheusStack,
  query,
  startPrometheusStack,
  waitForScrapedRuns,
} from './prometheus-stack.js';

/**
 * End to end, the way CI meets it: each "CI run" is a real gate run (runGate, the
 * pipeline behind the CLI and the Action) on a fresh workspace with no audit history,
 * gating one script that fails in the real sandbox. Each pushes its own group to a
 * real Pushgateway; a real Prometheus scrapes it every second and evaluates
 * ops/alerts.yml every second. SandboxFailureBurst must fire for three such runs
 * within 5 minutes and stay silent for two.
 *
 * The small test image has Bandit and no Semgrep, so the policy turns Semgrep off.
 */

let stack: PrometheusStack;
let image: string;
const workspaces: string[] = [];

beforeAll(async () => {
  [stack, image] = await Promise.all([startPrometheusStack(), ensureTestImage()]);
});

afterAll(async () => {
  await stack?.stop();
  for (const w of workspaces) await rm(w, { recursive: true, force: true });
});

/** One CI run: a fresh checkout (no audit log, as on a new runner), one failing script, one gate run. */
async function ciRun(instance: string): Promise<void> {
  const ws = await mkdtemp(join(tmpdir(), 'airlock-burst-'));
  workspaces.push(ws);
  // mkdtemp makes a 0700 directory; the sandbox user (uid 10001) must be able to read the stage.
  await chmod(ws, 0o755);
  await writeFile(
    join(ws, 'fail.py'),
    'import sys\nprint("generated code broke", file=sys.stderr)\nsys.exit(3)\n',
  );
  await writeFile(
    join(ws, 'airlock-policy.yml'),
    'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n',
  );
  const lines: string[] = [];
  const { report } = await runGate(
    hostileGateSettings(ws, image, { paths: ['fail.py'], policy: join(ws, 'airlock-policy.yml') }),
    {
      progress: (l) => lines.push(l),
      env: { AIRLOCK_PUSHGATEWAY_URL: stack.pushgatewayUrl, AIRLOCK_METRICS_INSTANCE: instance },
    },
  );
  expect(report.scripts.map((s) => [s.path, s.execution?.status])).toEqual([['fail.py', 'failure']]);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}\n${stack.logs().slice(-2000)}`);
}

/** Failed runs the alert counts right now for `instance` (its expression without the threshold). */
async function failuresInWindow(instance: string): Promise<number> {
  const r = await query(
    stack.promUrl,
    `sum(sandbox_runs_total{instance="${instance}",status!~"success|cancelled"} and on (job, instance, run_id) (time() - sandbox_report_timestamp_seconds < 300))`,
  );
  return r.length ? Number(r[0]!.value[1]) : 0;
}

function burstFor(instance: string) {
  return async () =>
    (await fetchAlerts(stack.promUrl)).find(
      (a) => a.labels.alertname === 'SandboxFailureBurst' && a.labels.instance === instance,
    );
}

describe('SandboxFailureBurst from real gate runs through real Prometheus and Pushgateway', () => {
  it('stays silent for two failed CI runs within 5 minutes', { timeout: 180_000 }, async () => {
    const instance = 'octo/two-runs';
    await ciRun(instance);
    await ciRun(instance);
    // Two groups side by side: the second push did not replace the first.
    const groups = await gatewayGroups(stack.pushgatewayUrl, instance);
    expect(groups).toHaveLength(2);
    expect(new Set(groups.map((g) => g.run_id)).size).toBe(2);
    await waitForScrapedRuns(stack.promUrl, instance, 2);
    expect(await failuresInWindow(instance)).toBe(2);
    // Give the 1 s rule evaluation several rounds to (wrongly) fire.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await burstFor(instance)()).toBeUndefined();
  });

  it('fires for three failed CI runs within 5 minutes', { timeout: 240_000 }, async () => {
    const instance = 'octo/three-runs';
    const started = Date.now();
    for (let i = 0; i < 3; i++) await ciRun(instance);
    const pushed = Date.now();
    const alert = await waitFor('SandboxFailureBurst to fire', async () => {
      const a = await burstFor(instance)();
      return a?.state === 'firing' ? a : undefined;
    });
    console.log(
      `3 gate runs took ${pushed - started} ms; SandboxFailureBurst firing ${Date.now() - pushed} ms after the third push`,
    );
    console.log(`alert as returned by /api/v1/alerts:\n${JSON.stringify(alert, null, 2)}`);
    expect(alert.labels).toMatchObject({ job: 'airlock', instance, severity: 'page' });
    expect(Number(alert.value)).toBe(3);
    expect(alert.annotations.summary).toBe(`3 failed sandbox runs in 5 minutes on ${instance}`);
    // What the old rule (increase() over the runs' counters) makes of the same data:
    // each run's series appears at its final value, which is no increase at all.
    const inc = await query(
      stack.promUrl,
      `sum(increase(sandbox_runs_total{instance="${instance}",status="failure"}[5m]))`,
    );
    console.log(`increase() over the same series: ${inc[0]?.value[1]}`);
    // The two-run repository is still silent.
    expect(await burstFor('octo/two-runs')()).toBeUndefined();
  });

  it("deletes its instance's expired groups after its push, and nobody else's", {
    timeout: 180_000,
  }, async () => {
    const instance = 'octo/expiry';
    // Groups of runs that reported 3 hours ago (default retention: 2 hours).
    const threeHoursAgo = () => new Date(Date.now() - 3 * 3600_000);
    for (const inst of [instance, 'other/expiry']) {
      const old = createTelemetry({
        env: { AIRLOCK_PUSHGATEWAY_URL: stack.pushgatewayUrl, AIRLOCK_METRICS_INSTANCE: inst },
        runId: `old-${inst}`,
        log: () => undefined,
        now: threeHoursAgo,
      });
      old.recordSandboxRun({
        status: 'failure',
        durationMs: 1,
        exitCode: 1,
        scriptPath: 'x.py',
        sha256: 'a',
      });
      expect(await old.flush()).toEqual({ otlp: 'off', pushgateway: 'sent' });
    }
    expect(await gatewayGroups(stack.pushgatewayUrl, instance)).toHaveLength(1);
    await ciRun(instance);
    const left = await gatewayGroups(stack.pushgatewayUrl, instance);
    expect(left).toHaveLength(1);
    expect(left[0]!.run_id).not.toBe(`old-${instance}`);
    expect((await gatewayGroups(stack.pushgatewayUrl, 'other/expiry')).map((g) => g.run_id)).toEqual([
      'old-other/expiry',
    ]);
  });
});
