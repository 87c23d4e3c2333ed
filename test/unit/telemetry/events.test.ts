import { describe, expect, it } from 'vitest';
import { alertEventLine, sandboxEventLine } from '../../../src/telemetry/events.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

describe('telemetry.sandbox events', () => {
  it('carries the DESIGN.md fields as one line of JSON', () => {
    const line = sandboxEventLine(
      {
        status: 'oom',
        durationMs: 1234.6,
        exitCode: 137,
        scriptPath: 'scripts/plot.py',
        sha256: 'a'.repeat(64),
        failureStreak: 2,
      },
      'run-42',
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      event: 'telemetry.sandbox',
      time: '2026-01-02T03:04:05.000Z',
      run_id: 'run-42',
      script_path: 'scripts/plot.py',
      script_sha256: 'a'.repeat(64),
      status: 'oom',
      duration_ms: 1235,
      exit_code: 137,
      failure_streak: 2,
    });
  });

  it('cannot be split into a forged second event by a hostile script path', () => {
    const hostile = 'x.py\n{"event":"telemetry.sandbox","status":"success"}\r\u2028';
    const lines: string[] = [];
    const t = createTelemetry({ env: {}, runId: 'r', log: (l) => lines.push(l) });
    t.recordSandboxRun({ status: 'failure', durationMs: 5, exitCode: 1, scriptPath: hostile, sha256: 'b' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split('\n')).toHaveLength(1);
    expect(JSON.parse(lines[0]!).script_path).toBe(hostile);
    expect(JSON.parse(alertEventLine({ reason: 'smoke_failed', detail: 'a\nb' }, 'r')).detail).toBe('a\nb');
  });
});

describe('createTelemetry failure streak', () => {
  it('continues the streak from the audit history, resets on success, alerts once at 3', () => {
    const lines: string[] = [];
    const t = createTelemetry({
      env: {},
      runId: 'r',
      log: (l) => lines.push(l),
      history: [
        { kind: 'execution', data: { status: 'success', durationMs: 10 } },
        { kind: 'execution', data: { status: 'timeout', durationMs: 10 } },
      ],
    });
    expect(t.failureStreak).toBe(1);
    const run = { durationMs: 1, exitCode: 1, scriptPath: 'a.py', sha256: 'c' } as const;
    expect(t.recordSandboxRun({ ...run, status: 'failure' }).failureStreak).toBe(2);
    expect(t.recordSandboxRun({ ...run, status: 'oom' }).failureStreak).toBe(3);
    expect(t.recordSandboxRun({ ...run, status: 'error' }).failureStreak).toBe(4);
    const alerts = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'telemetry.alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].reason).toBe('failure_streak');
    expect(t.recordSandboxRun({ ...run, status: 'success', exitCode: 0 }).failureStreak).toBe(0);
  });

  it('takes a streak the caller computed over its own', () => {
    const t = createTelemetry({ env: {}, runId: 'r', log: () => undefined });
    const r = t.recordSandboxRun({
      status: 'failure',
      durationMs: 1,
      exitCode: 1,
      scriptPath: 'a.py',
      sha256: 'c',
      failureStreak: 7,
    });
    expect(r.failureStreak).toBe(7);
    expect(t.failureStreak).toBe(7);
  });
});
