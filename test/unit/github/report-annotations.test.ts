import type { AnnotationProperties } from '@actions/core';
import { describe, expect, it } from 'vitest';
import { type AnnotationLevel, emitAnnotations } from '../../../src/github/annotations.js';
import { reportAnnotations } from '../../../src/github/report-annotations.js';
import { execution, finding, gateReport, script } from '../../helpers/report-fixture.js';

function recorder() {
  const calls: Array<{ level: AnnotationLevel; message: string; props: AnnotationProperties | undefined }> =
    [];
  const at = (level: AnnotationLevel) => (message: string, props?: AnnotationProperties) =>
    calls.push({ level, message, props });
  return { calls, sink: { error: at('error'), warning: at('warning'), notice: at('notice') } };
}

const subprocessImport = finding({
  ruleId: 'B404',
  line: 4,
  message: 'Consider possible security implications associated with the subprocess module.',
  level: 'low',
  levelRule: 'levels.rules[41]',
  why: 'imports do nothing by themselves; the call checks (B3xx, B6xx) judge the use',
});
const shellTrue = finding({
  ruleId: 'B602',
  line: 8,
  severity: 'high',
  message: 'subprocess call with shell=True identified, security issue.',
  level: 'blocked',
  levelRule: 'levels.rules[6]',
  why: 'a shell command line: injection, and an escape hatch from every other check',
});

describe('reportAnnotations', () => {
  it("gives each finding its own level, on its own line, with a title that reads well and the policy's why", () => {
    const report = gateReport([
      script('scripts/clean_data.py', 'blocked', { findings: [subprocessImport, shellTrue] }),
    ]);
    const { calls, sink } = recorder();
    emitAnnotations(reportAnnotations(report), sink);
    expect(calls).toEqual([
      {
        level: 'error',
        message:
          'subprocess call with shell=True identified, security issue.\n(high severity, high confidence; ' +
          "the policy's levels.rules[6] rates it blocked: a shell command line: injection, and an escape hatch from every other check)",
        props: { title: 'Bandit B602: blocked', file: 'scripts/clean_data.py', startLine: 8 },
      },
      {
        // the import in a blocked script stays a notice: the policy rates it low
        level: 'notice',
        message: expect.stringContaining('subprocess module'),
        props: { title: 'Bandit B404: low', file: 'scripts/clean_data.py', startLine: 4 },
      },
    ]);
  });

  it('titles a scan error plainly, skips allowlisted findings, and reports a failed run as an error', () => {
    const report = gateReport([
      script('a.py', 'blocked', {
        findings: [
          finding({
            tool: 'airlock',
            ruleId: 'airlock.scan-error',
            severity: 'high',
            level: 'blocked',
            message: 'bandit could not parse a.py',
          }),
          finding({
            ruleId: 'B603',
            level: undefined,
            allowlisted: { justification: 'ok', expires: '2099-01-01' },
          }),
        ],
      }),
      script('b.py', 'low', {
        execution: execution({
          status: 'failure',
          exitCode: 1,
          stderr: 'x\nFileNotFoundError: ../data/sales.csv\n',
        }),
      }),
    ]);
    const titles = reportAnnotations(report).map((a) => `${a.level} ${a.title}`);
    expect(titles).toEqual([
      'error Airlock could not scan this file: blocked',
      'error Airlock: the run ended failure (exit 1)',
    ]);
    expect(reportAnnotations(report)[1]!.message).toContain('FileNotFoundError: ../data/sales.csv');
  });

  it('shows the most severe first, so the caps keep what matters', () => {
    // 30 scripts in path order: the low notes come first by path, the blocked last.
    const scripts = Array.from({ length: 30 }, (_, i) =>
      script(`s${String(i).padStart(2, '0')}.py`, 'low', { findings: [finding({ line: i + 1 })] }),
    );
    scripts.push(
      script('z1.py', 'high', { findings: [finding({ ruleId: 'B310', level: 'high', severity: 'medium' })] }),
      script('z2.py', 'blocked', {
        findings: [finding({ ruleId: 'B307', level: 'blocked', severity: 'low' }), { ...shellTrue }],
      }),
    );
    const { calls, sink } = recorder();
    const counts = emitAnnotations(reportAnnotations(gateReport(scripts)), sink);
    expect(calls[0]!.props).toMatchObject({ title: 'Bandit B602: blocked', file: 'z2.py' }); // high severity first
    expect(calls[1]!.props).toMatchObject({ title: 'Bandit B307: blocked' });
    expect(calls[2]!.props).toMatchObject({ title: 'Bandit B310: high' });
    expect(counts).toEqual({ error: 2, warning: 1, notice: 10, omitted: 21 });
    expect(calls.at(-1)!.message).toMatch(/^21 more findings not shown as annotations \(21 notices;/);
  });

  it('escapes invisible characters in titles and messages, and never points at a path GitHub cannot match', () => {
    const name = 'evil\u0085\u202e.py';
    const report = gateReport([
      script(name, 'high', {
        findings: [finding({ ruleId: 'x\u2028y', level: 'high', message: 'm\u0085\u202e\u0007' })],
      }),
    ]);
    const { calls, sink } = recorder();
    emitAnnotations(reportAnnotations(report), sink);
    const c = calls[0]!;
    expect(c.props?.title).toBe('Bandit x\\u{2028}y: high');
    expect(c.message).toMatch(/^evil\\u\{0085\}\\u\{202E\}\.py: m\\u\{0085\}\\u\{202E\}\\u\{0007\}/);
    expect(c.props?.file).toBeUndefined();
    expect(`${c.message}${c.props?.title}`).not.toMatch(/[\u0085\u2028\u202e\u0007]/);
  });
});
