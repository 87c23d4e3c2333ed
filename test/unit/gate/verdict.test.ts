import { describe, expect, it } from 'vitest';
import { countLevels, decideVerdict } from '../../../src/gate/verdict.js';
import type { ExecutionResult, ScriptReport } from '../../../src/report/types.js';

function script(
  path: string,
  level: ScriptReport['level'],
  status?: ExecutionResult['status'],
): ScriptReport {
  return {
    path,
    sha256: '0'.repeat(64),
    bytes: 1,
    level,
    levelReasons: [],
    findings: [],
    decision: status ? 'executed' : level === 'blocked' ? 'blocked' : 'skipped',
    execution: status ? ({ status, exitCode: status === 'success' ? 0 : 1 } as ExecutionResult) : undefined,
  };
}

describe('decideVerdict', () => {
  it('passes when nothing in failOn happened', () => {
    const v = decideVerdict(
      [script('a.py', 'low', 'success'), script('b.py', 'high', 'success')],
      [],
      ['blocked'],
    );
    expect(v).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('fails on a blocked script only when failOn has blocked', () => {
    const scripts = [script('a.py', 'blocked')];
    expect(decideVerdict(scripts, [], ['blocked']).verdict).toBe('fail');
    expect(decideVerdict(scripts, [], ['failure']).verdict).toBe('pass');
  });

  it('fails on each execution status named in failOn and names the script', () => {
    for (const st of ['failure', 'timeout', 'oom', 'error'] as const) {
      const v = decideVerdict([script('x/y.py', 'low', st)], [], [st]);
      expect(v.verdict).toBe('fail');
      expect(v.reasons[0]).toContain('x/y.py');
      expect(decideVerdict([script('x/y.py', 'low', st)], [], ['blocked']).verdict).toBe('pass');
    }
  });

  it('fails closed when a scanner failed, whatever failOn says', () => {
    const v = decideVerdict(
      [script('a.py', 'low')],
      [{ tool: 'bandit', status: 'failed', message: 'crashed' }],
      [],
    );
    expect(v.verdict).toBe('fail');
  });

  it('fails on a required scanner gap only when failOn has scanner-gap', () => {
    const absent = [{ tool: 'semgrep' as const, status: 'unavailable' as const }];
    const gaps = ['semgrep is required but not in the image'];
    expect(decideVerdict([], absent, ['blocked'], gaps).verdict).toBe('pass');
    expect(decideVerdict([], absent, ['scanner-gap'], gaps).verdict).toBe('fail');
    // unavailable but not a gap (optional): a notice elsewhere, never a failure
    expect(decideVerdict([], absent, ['scanner-gap'], []).verdict).toBe('pass');
  });

  it('fails on a Python file it could not gate unless failOn leaves out ungated', () => {
    const ungated = [{ path: 'x\uFFFD.py', reason: 'file name is not valid UTF-8' }];
    const v = decideVerdict([], [], ['ungated'], [], ungated);
    expect(v.verdict).toBe('fail');
    expect(v.reasons).toEqual(['"x\uFFFD.py": not gated: file name is not valid UTF-8']);
    expect(decideVerdict([], [], ['blocked', 'scanner-gap'], [], ungated).verdict).toBe('pass');
  });
});

describe('countLevels', () => {
  it('counts levels, executions and failed runs', () => {
    const c = countLevels([
      script('a.py', 'low', 'success'),
      script('b.py', 'high', 'timeout'),
      script('c.py', 'blocked'),
      script('d.py', 'low'),
    ]);
    expect(c).toEqual({ low: 2, high: 1, blocked: 1, executed: 2, failed: 1 });
  });
});
