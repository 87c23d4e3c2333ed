import { describe, expect, it } from 'vitest';
import { BanditOutputError, parseBanditJson } from '../../../src/scan/bandit-parse.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';

// Shape of pip Bandit 1.9.x JSON (adds col_offset, end_col_offset, issue_cwe); Debian
// 1.6.2's real output is parsed in test/integration/scan/bandit-host.test.ts.
const bandit19 = JSON.stringify({
  errors: [{ filename: './broken.py', reason: 'syntax error while parsing AST from file' }],
  generated_at: '2026-01-01T00:00:00Z',
  metrics: {
    './a.py': { loc: 3, nosec: 0 },
    './broken.py': { loc: 1, nosec: 0 },
    './clean.py': { loc: 1, nosec: 0 },
    _totals: { loc: 5 },
  },
  results: [
    {
      code: '3 eval(x)\n',
      col_offset: 4,
      end_col_offset: 11,
      filename: './a.py',
      issue_confidence: 'HIGH',
      issue_cwe: { id: 78, link: 'https://cwe.mitre.org/data/definitions/78.html' },
      issue_severity: 'MEDIUM',
      issue_text: 'Use of possibly insecure function - consider using safer ast.literal_eval.',
      line_number: 3,
      line_range: [3, 4],
      more_info: 'https://bandit.readthedocs.io/en/1.9.0/blacklists/blacklist_calls.html#b307-eval',
      test_id: 'B307',
      test_name: 'blacklist',
    },
    {
      filename: './a.py',
      issue_confidence: 'LOW',
      issue_severity: 'HIGH',
      issue_text: 'x',
      line_number: 1,
      more_info: 'javascript:alert(1)',
      test_id: 'B999',
    },
  ],
});

describe('parseBanditJson', () => {
  it('keeps severity and confidence, converts the 0-based column, and records coverage', () => {
    const r = parseBanditJson(bandit19, '/work');
    const a = r.findingsByPath.get('a.py')!;
    expect(a).toHaveLength(2);
    expect(a[0]).toMatchObject({
      tool: 'bandit',
      ruleId: 'B307',
      severity: 'medium',
      confidence: 'high',
      line: 3,
      column: 5,
      endLine: 4,
    });
    expect(a[1]).toMatchObject({ ruleId: 'B999', severity: 'high', confidence: 'low' });
    expect([...r.reportedPaths].sort()).toEqual(['a.py', 'broken.py', 'clean.py']);
    expect(r.findingsByPath.has('clean.py')).toBe(false);
  });

  it('turns a file Bandit could not parse into a scan-error finding, never a pass', () => {
    const r = parseBanditJson(bandit19, '/work');
    expect(r.errors).toEqual([{ path: 'broken.py', message: 'syntax error while parsing AST from file' }]);
    expect(r.findingsByPath.get('broken.py')).toEqual([
      expect.objectContaining({ tool: 'airlock', ruleId: SCAN_ERROR_RULE, severity: 'high' }),
    ]);
  });

  it('keeps rule metadata, but only https links to Bandit docs', () => {
    const r = parseBanditJson(bandit19, '/work');
    const b307 = r.rules.find((x) => x.id === 'B307')!;
    expect(b307).toMatchObject({ tool: 'bandit', name: 'blacklist', cwe: [78] });
    expect(b307.helpUri).toMatch(/^https:\/\/bandit\.readthedocs\.io\//);
    expect(r.rules.find((x) => x.id === 'B999')!.helpUri).toBeUndefined();
  });

  it('resolves absolute names under the root and refuses names outside it', () => {
    const json = JSON.stringify({
      errors: [],
      metrics: { '/work/sub/x.py': {}, '/etc/passwd': {}, './../y.py': {} },
      results: [
        {
          filename: '/work/sub/x.py',
          test_id: 'B102',
          issue_severity: 'MEDIUM',
          issue_confidence: 'HIGH',
          issue_text: 't',
          line_number: 2,
        },
        {
          filename: '../../etc/shadow',
          test_id: 'B102',
          issue_severity: 'MEDIUM',
          issue_confidence: 'HIGH',
          issue_text: 't',
          line_number: 2,
        },
      ],
    });
    const r = parseBanditJson(json, '/work');
    expect([...r.reportedPaths]).toEqual(['sub/x.py']);
    expect([...r.findingsByPath.keys()]).toEqual(['sub/x.py']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.path).toBeUndefined();
  });

  it('maps unknown severities to medium (not low) and lines below 1 to 1', () => {
    const json = JSON.stringify({
      errors: [],
      results: [
        {
          filename: './a.py',
          test_id: 'B1',
          issue_severity: 'UNDEFINED',
          issue_confidence: 'UNDEFINED',
          issue_text: 't',
          line_number: 0,
        },
      ],
    });
    expect(parseBanditJson(json, '/work').findingsByPath.get('a.py')![0]).toMatchObject({
      severity: 'medium',
      confidence: 'medium',
      line: 1,
    });
  });

  it.each([
    ['garbage', 'Traceback (most recent call last):'],
    ['truncated JSON', bandit19.slice(0, 200)],
    ["another tool's JSON", JSON.stringify({ results: 'nope' })],
    ['a result without a test id', JSON.stringify({ errors: [], results: [{ filename: './a.py' }] })],
  ])('throws BanditOutputError on %s', (_name, text) => {
    expect(() => parseBanditJson(text, '/work')).toThrow(BanditOutputError);
  });
});
