import { describe, expect, it } from 'vitest';
import {
  asCancelled,
  CANCEL_SIGNALS,
  cancellableRunner,
  cancelledBy,
  cancelOnSignals,
  exitCodeFor,
  GateCancelled,
} from '../../../src/gate/cancel.js';
import { executeStage } from '../../../src/gate/execute-stage.js';
import { countLevels, decideVerdict } from '../../../src/gate/verdict.js';
import { loadPolicy } from '../../../src/policy/index.js';
import { buildSarif } from '../../../src/report/sarif.js';
import { renderSummary } from '../../../src/report/summary.js';
import type {
  ExecutionResult,
  ExecutionStatus,
  GateReport,
  ScriptReport,
} from '../../../src/report/types.js';
import type { BatchOptions, runBatch } from '../../../src/sandbox/run-batch.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import { summariseHistory } from '../../../src/telemetry/history.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

function result(status: ExecutionStatus, exitCode: number | null, reason?: string): ExecutionResult {
  return {
    status,
    exitCode,
    durationMs: 1200,
    peakMemoryBytes: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutSha256: 'e'.repeat(64),
    stderrSha256: 'e'.repeat(64),
    artifacts: [],
    artifactsTruncated: false,
    runtime: 'runc',
    profile: 'restricted',
    containerName: 'airlock-x',
    ...(reason ? { reason } : {}),
  };
}

function script(path: string): ScriptReport {
  return {
    path,
    sha256: 'a'.repeat(64),
    bytes: 10,
    level: 'low',
    levelReasons: [],
    findings: [],
    decision: 'skipped',
  };
}

const SIGTERM = () => new GateCancelled('SIGTERM');

describe('cancellation: status mapping', () => {
  it('an interrupted run is cancelled, never failure; a finished success stays success', () => {
    const killed = asCancelled(result('failure', 137, 'exit code 137'), 'SIGTERM');
    expect(killed.status).toBe('cancelled');
    expect(killed.reason).toBe('cancelled by SIGTERM while running; the run ended as failure: exit code 137');
    expect(asCancelled(result('error', null, 'the sandbox container stopped'), 'SIGINT').status).toBe(
      'cancelled',
    );
    expect(asCancelled(result('timeout', null), 'SIGINT').status).toBe('cancelled');
    expect(asCancelled(result('success', 0), 'SIGTERM').status).toBe('success');
  });

  it('names the signal from the abort reason; exit codes follow the shell convention', () => {
    const c = new AbortController();
    expect(cancelledBy(c.signal)).toBeUndefined();
    c.abort(new GateCancelled('SIGINT'));
    expect(cancelledBy(c.signal)).toBe('SIGINT');
    expect(exitCodeFor('SIGINT')).toBe(130);
    expect(exitCodeFor('SIGTERM')).toBe(143);
  });

  it('a cancelled gate starts no scanner: the runner is never called', async () => {
    const c = new AbortController();
    const calls: string[] = [];
    const runner = cancellableRunner(async (spec) => {
      calls.push(spec.label ?? '');
      return result('success', 0);
    }, c.signal);
    const spec = {
      sandbox: { runtime: 'runc' },
      profile: 'scan',
      label: 'bandit',
    } as unknown as HardenedRunSpec;
    expect((await runner(spec)).status).toBe('success');
    c.abort(SIGTERM());
    const r = await runner(spec);
    expect(calls).toEqual(['bandit']);
    expect(r.status).toBe('error');
    expect(r.reason).toBe('not started: the gate was cancelled by SIGTERM');
  });
});

describe('cancellation: execute stage with a fake batch runner', () => {
  it('completed runs keep their status, in-flight ones are cancelled, unstarted ones skipped, in order', async () => {
    const policy = await loadPolicy(undefined);
    const scripts = ['a.py', 'b.py', 'c.py', 'd.py'].map(script);
    const controller = new AbortController();
    const recorded: string[] = [];
    // What the real engine does: a and b end normally, then SIGTERM; c was running and
    // its container was removed under it (docker exec exits 137); d never starts.
    const fakeBatch = (async (items: readonly unknown[], opts: BatchOptions<unknown>) => {
      expect(opts.signal).toBe(controller.signal);
      await opts.onResult(items[0], 0, result('success', 0));
      await opts.onResult(items[1], 1, result('failure', 1, 'exit code 1'));
      controller.abort(SIGTERM());
      await opts.onResult(items[2], 2, result('failure', 137, 'exit code 137'));
    }) as typeof runBatch;
    const stopped = await executeStage({
      policy,
      scripts,
      dirOf: () => '/nonexistent',
      sandbox: { image: 'x', runtime: 'runc', user: '10001:10001', parallelism: 2, label: 'l' },
      outDir: `/tmp/airlock-cancel-unit-${process.pid}`,
      runBatch: fakeBatch,
      progress: () => undefined,
      signal: controller.signal,
      onResult: async (s, r) => {
        recorded.push(`${s.path}:${r.status}`);
      },
    });
    expect(recorded).toEqual(['a.py:success', 'b.py:failure', 'c.py:cancelled']);
    expect(scripts.map((s) => [s.decision, s.execution?.status])).toEqual([
      ['executed', 'success'],
      ['executed', 'failure'],
      ['executed', 'cancelled'],
      ['skipped', undefined],
    ]);
    expect(stopped).toEqual({ inFlightCancelled: 1, notStarted: 1 });

    // The verdict: a cancelled run fails the gate whatever failOn says; it is not "failed".
    const v = decideVerdict(scripts, [], []);
    expect(v).toEqual({ verdict: 'fail', reasons: ['c.py: run cancelled'] });
    expect(countLevels(scripts).failed).toBe(1);
  });
});

describe('cancellation: telemetry, summary, SARIF', () => {
  it('counts sandbox_runs_total{status="cancelled"} and never feeds the failure streak', async () => {
    const t = createTelemetry({ env: {}, runId: 'r', log: () => undefined });
    for (const status of ['failure', 'failure', 'cancelled', 'cancelled'] as const) {
      t.recordSandboxRun({ status, durationMs: 10, exitCode: 137, scriptPath: 'a.py', sha256: 'x' });
    }
    expect(t.failureStreak).toBe(2);
    const text = await t.metricsText();
    expect(text).toContain('sandbox_runs_total{run_id="r",status="cancelled"} 2');
    expect(text).toContain('sandbox_runs_total{run_id="r",status="failure"} 2');
    expect(text).not.toContain('sandbox_alerts_total{run_id="r",reason="failure_streak"} 1');
    // The same from the audit history of an earlier run (counters do not continue from it).
    const base = summariseHistory(
      ['failure', 'cancelled', 'failure'].map((status) => ({ kind: 'execution', data: { status } })),
    );
    expect(base.failureStreak).toBe(2);
  });

  it('the summary and the SARIF say the run was cancelled and partial', () => {
    const scripts = [script('c.py')];
    scripts[0]!.decision = 'executed';
    scripts[0]!.execution = result('cancelled', 137, 'cancelled by SIGTERM while running');
    const cancelled = { signal: 'SIGTERM', inFlight: 1, notStarted: 2 };
    const report: GateReport = {
      version: 1,
      tool: { name: 'airlock', version: '0' },
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
      workspace: '/w',
      verdict: 'fail',
      verdictReasons: ['cancelled by SIGTERM: 1 run(s) stopped, 2 script(s) not started'],
      counts: countLevels(scripts),
      policy: { path: 'p', name: 'default', sha256: 'a'.repeat(64) },
      image: { ref: 'i', id: null },
      scanners: [],
      notices: [],
      scripts,
      cancelled,
    };
    const md = renderSummary(report);
    expect(md).toContain('**Cancelled** by SIGTERM: 1 run(s) stopped');
    expect(md).toContain('| executed | cancelled (137) |');
    const sarif = buildSarif({ scripts, scanners: [], category: 'airlock', cancelled, sources: new Map() });
    const airlock = sarif.log.runs.find((r) => r.tool.driver.name.toLowerCase() === 'airlock');
    expect(airlock?.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(airlock?.invocations?.[0]?.toolExecutionNotifications?.map((n) => n.descriptor?.id)).toContain(
      'airlock/cancelled',
    );
  });
});

describe('cancellation: signal handlers', () => {
  it('the first SIGINT/SIGTERM aborts once; later ones only log; dispose removes the handlers', () => {
    const before = CANCEL_SIGNALS.map((s) => process.listenerCount(s));
    const lines: string[] = [];
    const c = cancelOnSignals({ log: (l) => lines.push(l), deadlineMs: 60_000 });
    expect(CANCEL_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before.map((n) => n + 1));
    process.emit('SIGINT', 'SIGINT');
    expect(cancelledBy(c.signal)).toBe('SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(cancelledBy(c.signal)).toBe('SIGINT');
    expect(lines[1]).toBe('SIGTERM received again: the cancellation is already cleaning up');
    c.dispose();
    expect(CANCEL_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before);
  });
});
