import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  normalizeSemgrepRuleId,
  parseSemgrepJson,
  SemgrepOutputError,
} from '../../../src/scan/semgrep-parse.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';

const fixture = readFileSync(new URL('../../fixtures/semgrep/results.json', import.meta.url), 'utf8');

describe('parseSemgrepJson against real Semgrep output (test/fixtures/semgrep)', () => {
  it('reads the finding with Semgrep ERROR as high and coverage from paths.scanned', () => {
    const r = parseSemgrepJson(fixture, '/work');
    expect(r.errors).toEqual([]);
    expect([...r.scannedPaths]).toEqual(['targets/basic/stupid.py']);
    expect(r.findingsByPath.get('targets/basic/stupid.py')).toEqual([
      {
        tool: 'semgrep',
        ruleId: 'rules.eqeq-is-bad',
        severity: 'high',
        // no metadata.confidence in the fixture: medium
        confidence: 'medium',
        line: 3,
        column: 12,
        message: 'useless comparison operation `a + b == a + b` or `a + b != a + b`',
      },
    ]);
    expect(r.version).toBe('0.42');
  });

  it('maps a prefixed check id back to the shipped rule id', () => {
    const r = parseSemgrepJson(fixture, '/work', ['eqeq-is-bad', 'other']);
    expect(r.findingsByPath.get('targets/basic/stupid.py')![0]!.ruleId).toBe('eqeq-is-bad');
  });
});

function variant(mutate: (j: Record<string, unknown>) => void): string {
  const j = JSON.parse(fixture) as Record<string, unknown>;
  mutate(j);
  return JSON.stringify(j);
}

describe('parseSemgrepJson: severities, confidence, errors', () => {
  it.each([
    ['WARNING', 'medium'],
    ['INFO', 'low'],
    ['CRITICAL', 'high'],
    ['LOW', 'low'],
    ['SOMETHING-NEW', 'medium'],
  ])('severity %s -> %s', (word, ours) => {
    const json = variant((j) => {
      (j.results as { extra: { severity: string } }[])[0]!.extra.severity = word;
    });
    expect(parseSemgrepJson(json, '/work').findingsByPath.get('targets/basic/stupid.py')![0]!.severity).toBe(
      ours,
    );
  });

  it('reads metadata.confidence', () => {
    const json = variant((j) => {
      (j.results as { extra: { metadata: Record<string, string> } }[])[0]!.extra.metadata.confidence = 'HIGH';
    });
    expect(
      parseSemgrepJson(json, '/work').findingsByPath.get('targets/basic/stupid.py')![0]!.confidence,
    ).toBe('high');
  });

  it('turns a per-file error (partial parse, timeout) into a scan-error finding on that file', () => {
    const json = variant((j) => {
      j.errors = [
        {
          code: 3,
          level: 'warn',
          type: ['PartialParsing', [{ path: 'x.py' }]],
          message: 'Syntax error at line x.py:7:\n `print "a"` was unexpected',
          path: '/work/x.py',
          spans: [{ file: 'x.py', start: { line: 7, col: 1 }, end: { line: 7, col: 5 } }],
        },
        { code: 2, level: 'error', type: 'Timeout', message: 'timeout', path: 'targets/basic/stupid.py' },
        { code: 7, level: 'error', type: 'InvalidRuleSchemaError', message: 'bad rule' },
      ];
    });
    const r = parseSemgrepJson(json, '/work');
    expect(r.findingsByPath.get('x.py')).toEqual([
      expect.objectContaining({ tool: 'airlock', ruleId: SCAN_ERROR_RULE, line: 7, severity: 'high' }),
    ]);
    expect(r.findingsByPath.get('targets/basic/stupid.py')!.map((f) => f.ruleId)).toEqual([
      SCAN_ERROR_RULE,
      'rules.eqeq-is-bad',
    ]);
    const global = r.errors.filter((e) => e.path === undefined);
    expect(global).toEqual([
      { path: undefined, level: 'error', message: 'InvalidRuleSchemaError: bad rule' },
    ]);
    expect(r.errors.find((e) => e.path === 'x.py')!.message).toBe(
      'PartialParsing: Syntax error at line x.py:7:',
    );
  });

  it('refuses results for files outside the root', () => {
    const json = variant((j) => {
      (j.results as { path: string }[])[0]!.path = '/etc/passwd';
    });
    const r = parseSemgrepJson(json, '/work');
    expect(r.findingsByPath.size).toBe(0);
    expect(r.errors[0]!.path).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"results": ['],
    ['a SARIF log', readFileSync(new URL('../../fixtures/semgrep/results.sarif', import.meta.url), 'utf8')],
    ['no errors array', JSON.stringify({ results: [] })],
  ])('throws SemgrepOutputError on %s', (_n, text) => {
    expect(() => parseSemgrepJson(text, '/work')).toThrow(SemgrepOutputError);
  });
});

describe('normalizeSemgrepRuleId', () => {
  const ids = ['airlock.exec-eval-compile', 'airlock.network-access'];
  it.each([
    ['airlock.semgrep-rules.airlock.exec-eval-compile', 'airlock.exec-eval-compile'],
    ['airlock.exec-eval-compile', 'airlock.exec-eval-compile'],
    ['tmp.x.airlock.network-access', 'airlock.network-access'],
    ['someone.else.rule', 'someone.else.rule'],
    ['xairlock.network-access', 'xairlock.network-access'],
  ])('%s -> %s', (checkId, expected) => {
    expect(normalizeSemgrepRuleId(checkId, ids)).toBe(expected);
  });
});
