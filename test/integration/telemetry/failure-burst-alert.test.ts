import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../../src/report/types.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../../src/sandbox/profiles.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import type { HistoryEntry } from '../../../src/telemetry/history.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import {
  fetchAlerts,
  type PrometheusStack,
  query,
  startPrometheusStack,
  waitForScrapedFailures,
} from './prometheus-stack.js';

/**
 * End to end: gated runs of a failing script in the real sandbox push their metrics
 * to a real Pushgateway, a real Prometheus scrapes it and evaluates ops/alerts.yml,
 * and SandboxFailureBurst fires after three failures within 5 minutes, not after one.
 *
 * Each "gated run" is a separate Telemetry (a separate CI job): it starts from the
 * audit history of the runs before it (here an in-memory list of the `execution`
 * entries the gate appends), records its own run, and pushes once. The very first
 * run of each instance is a success: it gives Prometheus the baseline sample of
 * every status series (all at their cumulative value, failures at 0). Without a
 * baseline, Prometheus cannot count the first increase of a brand-new series
 * (documented in docs/operations/RUNBOOK_SANDBOX_OPERATIONS.md).
 */

let stack: PrometheusStack;
let image: string;
let scriptsDir: string;

beforeAll(async () => {
  [stack, image] = await Promise.all([startPrometheusStack(), ensureTestImage()]);
  scriptsDir = await mkdtemp(join(tmpdir(), 'airlock-burst-'));
  await writeFile(
    join(scriptsDir, 'fail.py'),
    'import sys\nprint("generated code broke", file=sys.stderr)\nsys.exit(3)\n',
  );
  await writeFile(join(scriptsDir, 'ok.py'), 'print("fine")\n');
  // mkdtemp makes a 0700 directory; the sandbox user (uid 10001) must be able to read it.
  await chmod(scriptsDir, 0o755);
});

afterAll(async () => {
  await stack?.stop();
  if (scriptsDir) await rm(scriptsDir, { recursive: true, force: true });
});

/** The real hardened runner (the Action's), restricted profile, the test image. */
async function runInSandbox(script: string): Promise<ExecutionResult> {
  return runHardened({
    sandbox: { ...DEFAULT_SANDBOX_CONFIG, image },
    limits: DEFAULT_PROFILES.restricted,
    profile: 'restricted',
    workDir: scriptsDir,
    command: ['python3', script],
    label: script,
  });
}

/** One CI job: sandbox run, telemetry from the audit history, one push. Returns the streak it logged. */
async function gatedRun(instance: string, history: HistoryEntry[], script: string): Promise<number> {
  const outcome = await runInSandbox(script);
  expect(outcome.status).toBe(script === 'fail.py' ? 'failure' : 'success');
  const lines: string[] = [];
  const telemetry = createTelemetry({
    env: { AIRLOCK_PUSHGATEWAY_URL: stack.pushgatewayUrl, AIRLOCK_METRICS_INSTANCE: instance },
    runId: `${instance}-${history.length}`,
    log: (l) => lines.push(l),
    history,
  });
  const record = telemetry.recordSandboxRun({
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    scriptPath: script,
    sha256: '0'.repeat(64),
  });
  expect(await telemetry.flush()).toEqual({ otlp: 'off', pushgateway: 'sent' });
  history.push({ kind: 'execution', data: { status: outcome.status, durationMs: outcome.durationMs } });
  expect(lines.some((l) => l.includes('"event":"telemetry.sandbox"'))).toBe(true);
  return record.failureStreak;
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

function scraped(instance: string, value: number): Promise<void> {
  return waitForScrapedFailures(stack.promUrl, instance, value);
}

describe('SandboxFailureBurst through real Prometheus and Pushgateway', () => {
  it('does not fire for a single failed run', async () => {
    const instance = 'octo/one-failure';
    const history: HistoryEntry[] = [];
    expect(await gatedRun(instance, history, 'ok.py')).toBe(0);
    await scraped(instance, 0);
    expect(await gatedRun(instance, history, 'fail.py')).toBe(1);
    await scraped(instance, 1);
    // Give the 1 s rule evaluation several rounds to (wrongly) fire.
    await new Promise((r) => setTimeout(r, 5000));
    const alerts = await fetchAlerts(stack.promUrl);
    expect(alerts.filter((a) => a.labels.instance === instance)).toEqual([]);
    const inc = await query(
      stack.promUrl,
      `sum(increase(sandbox_runs_total{instance="${instance}",status!="success"}[5m]))`,
    );
    expect(Number(inc[0]!.value[1])).toBeGreaterThanOrEqual(1);
    expect(Number(inc[0]!.value[1])).toBeLessThan(3);
  });

  it('fires after three failed gated runs within 5 minutes', async () => {
    const instance = 'octo/burst';
    const history: HistoryEntry[] = [];
    expect(await gatedRun(instance, history, 'ok.py')).toBe(0);
    await scraped(instance, 0);
    const streaks: number[] = [];
    for (let i = 0; i < 3; i++) streaks.push(await gatedRun(instance, history, 'fail.py'));
    // The streak survives across the three separate telemetry instances (CI jobs).
    expect(streaks).toEqual([1, 2, 3]);
    const started = Date.now();
    const alert = await waitFor('SandboxFailureBurst to fire', async () => {
      const alerts = await fetchAlerts(stack.promUrl);
      return alerts.find(
        (a) =>
          a.labels.alertname === 'SandboxFailureBurst' &&
          a.labels.instance === instance &&
          a.state === 'firing',
      );
    });
    console.log(`SandboxFailureBurst firing ${Date.now() - started} ms after the third push`);
    console.log(`alert as returned by ${stack.promUrl}/api/v1/alerts:\n${JSON.stringify(alert, null, 2)}`);
    expect(alert.labels).toMatchObject({ job: 'airlock', instance, severity: 'page' });
    expect(Number(alert.value)).toBeGreaterThanOrEqual(3);
    // The single-failure instance from the other test is still silent.
    const others = (await fetchAlerts(stack.promUrl)).filter((a) => a.labels.instance === 'octo/one-failure');
    expect(others).toEqual([]);
  });
});
