import { describe, expect, it } from 'vitest';
import { renderSummary, STEP_SUMMARY_MAX_BYTES } from '../../../src/report/summary.js';
import type { ScriptReport } from '../../../src/report/types.js';
import { execution, finding, gateReport, script } from '../../helpers/report-fixture.js';

/**
 * The summary at scale (synthetic reports: this tests rendering). It must fit GitHub's
 * 1 MiB step-summary limit, lead with what fails the gate, and count what it leaves out.
 */
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const pad = (i: number) => String(i).padStart(5, '0');

function blockedScript(path: string): ScriptReport {
  return script(path, 'blocked', {
    findings: [
      finding({
        ruleId: 'B602',
        line: 8,
        severity: 'high',
        level: 'blocked',
        levelRule: 'levels.rules[6]',
        why: 'a shell command line: injection, and an escape hatch from every other check',
        message: 'subprocess call with shell=True identified, security issue.',
      }),
    ],
  });
}

describe('renderSummary at scale', () => {
  it('401 scripts: the one blocked finding is shown, ahead of 400 assert notes (it was cut off behind them)', () => {
    const notes = Array.from({ length: 400 }, (_, i) =>
      script(`a/s${pad(i)}.py`, 'low', { findings: [finding({ line: 3 })] }),
    );
    const md = renderSummary(gateReport([...notes, blockedScript('z/clean_data.py')]));
    expect(md).toContain('**B602**');
    expect(md.indexOf('`z/clean_data.py`')).toBeLessThan(md.indexOf('`a/s00000.py`'));
    // and the 400 notes are still there, after it
    expect(md).toContain('Findings on the other scripts (400)');
    expect(md.split('**B101**').length - 1).toBe(400);
  });

  it('10,000 scripts: within 1 MiB, blocked and failed first, and every script accounted for', () => {
    const scripts: ScriptReport[] = [];
    for (let i = 0; i < 10_000; i++) {
      const path = `analysis/batch-${pad(i)}/script_${pad(i)}.py`;
      if (i % 100 === 7) scripts.push(blockedScript(path));
      else if (i % 250 === 3)
        scripts.push(
          script(path, 'low', {
            execution: execution({
              status: 'failure',
              exitCode: 1,
              stderr: `Traceback (most recent call last):\n${'  File "x.py", line 1\n'.repeat(40)}ValueError: ${i}\n`,
            }),
          }),
        );
      else if (i % 20 === 11)
        scripts.push(
          script(path, 'high', {
            findings: [
              finding({ ruleId: 'B310', level: 'high', severity: 'medium', why: 'urlopen: network' }),
            ],
          }),
        );
      else
        scripts.push(
          script(path, 'low', {
            findings: [finding({ line: 2 }), finding({ line: 9 })],
            execution: execution({
              artifacts: [{ path: 'plot.png', bytes: 20_000, sha256: 'e'.repeat(64) }],
            }),
          }),
        );
    }
    const md = renderSummary(gateReport(scripts));
    expect(bytes(md)).toBeLessThanOrEqual(STEP_SUMMARY_MAX_BYTES);
    expect(bytes(md)).toBeGreaterThan(STEP_SUMMARY_MAX_BYTES * 0.9); // it uses the room it has

    const blocked = scripts.filter((s) => s.level === 'blocked').length; // 100
    const failed = scripts.filter((s) => s.execution?.status === 'failure').length; // 40
    const high = scripts.filter((s) => s.level === 'high').length;
    // Every blocked and every failed script has its section, and all of them come first.
    const sections = md.split('\n').filter((l) => l.startsWith('#### '));
    expect(sections.slice(0, blocked).every((l) => l.startsWith('#### 🔴 blocked'))).toBe(true);
    expect(sections.slice(blocked, blocked + failed).every((l) => l.includes('run failure'))).toBe(true);
    // The sections left out are counted, by level and status.
    const notDetailed =
      /> \*\*(\d+) more script\(s\) that need a look are not detailed here\*\* \((.*?)\)/.exec(md);
    const detailed = sections.length;
    expect(detailed + Number(notDetailed?.[1] ?? 0)).toBe(blocked + failed + high);
    // The table: rows shown plus the counted rest is every script, blocked rows first.
    const rows = md.split('\n').filter((l) => l.startsWith('| `analysis/'));
    const more = /\| … and (\d+) more script\(s\) not listed \(([^;]*);/.exec(md);
    expect(more).not.toBeNull();
    expect(rows.length + Number(more![1])).toBe(10_000);
    const byLevel = [...more![2]!.matchAll(/(\d+) (blocked|high|low)/g)].map((m) => Number(m[1]));
    expect(byLevel.reduce((a, b) => a + b, 0)).toBe(Number(more![1]));
    expect(rows.slice(0, blocked).every((r) => r.includes('🔴 blocked'))).toBe(true);
    // The findings list is cut visibly too, and the audit/policy block is still at the end.
    expect(md).toMatch(/- … and \d+ more, not listed to stay within GitHub's 1 MiB summary limit/);
    expect(md).toMatch(/> \d+ more script\(s\) wrote \d+ artifact\(s\) not listed here/);
    expect(md.trimEnd().split('\n').at(-1)).toMatch(/^\*\*Scanners:\*\*/);
  });

  it('respects a smaller budget the same way (room left for other sections of the step)', () => {
    const scripts = Array.from({ length: 300 }, (_, i) => blockedScript(`s${pad(i)}.py`));
    const md = renderSummary(gateReport(scripts), { maxBytes: 64 * 1024 });
    expect(bytes(md)).toBeLessThanOrEqual(64 * 1024);
    expect(md).toMatch(
      /\*\*\d+ more script\(s\) that need a look are not detailed here\*\* \(\d+ blocked; \d+ not run \(blocked\)\)/,
    );
  });
});
