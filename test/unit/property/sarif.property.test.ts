import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildSarif } from '../../../src/report/sarif.js';
import type { Finding, ScannerStatus, ScriptReport } from '../../../src/report/types.js';

/**
 * Properties of the SARIF writer over random reports with hostile file names
 * (unicode, spaces, `#`, `?`, `%`, `:`, newlines) and random findings:
 * it never throws; the log survives a JSON round trip unchanged (no undefined/NaN);
 * every result points at a rule with its id; every location is a relative URI that
 * decodes back to the script's path; allowlisted findings never appear; each tool's
 * results are exactly its non-allowlisted findings; a failed scanner never gets an
 * empty run (which GitHub would read as "all its alerts are fixed").
 */
const segment = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => !s.includes('/') && !s.includes('\\') && !s.includes('\0') && s !== '.' && s !== '..');
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segs) => `${segs.join('/')}.py`);
const grade = fc.constantFrom('low', 'medium', 'high') as fc.Arbitrary<Finding['severity']>;
const finding: fc.Arbitrary<Finding> = fc.record(
  {
    tool: fc.constantFrom('bandit', 'semgrep', 'airlock') as fc.Arbitrary<Finding['tool']>,
    ruleId: fc.constantFrom('B102', 'B307', 'B602', 'airlock.exec-eval-compile', 'airlock.scan-error'),
    severity: grade,
    confidence: grade,
    line: fc.integer({ min: 1, max: 5000 }),
    message: fc.string({ unit: 'grapheme', maxLength: 300 }),
    allowlisted: fc.option(fc.constant({ justification: 'reviewed', expires: '2099-01-01' }), {
      nil: undefined,
    }),
  },
  { requiredKeys: ['tool', 'ruleId', 'severity', 'confidence', 'line', 'message'] },
);
const script: fc.Arbitrary<ScriptReport> = fc.record({
  path,
  sha256: fc.constant('0'.repeat(64)),
  bytes: fc.nat(),
  level: fc.constantFrom('low', 'high', 'blocked') as fc.Arbitrary<ScriptReport['level']>,
  levelReasons: fc.constant([]),
  findings: fc.array(finding, { maxLength: 6 }),
  decision: fc.constantFrom('executed', 'blocked', 'skipped') as fc.Arbitrary<ScriptReport['decision']>,
});
const scripts = fc.uniqueArray(script, { selector: (s) => s.path, maxLength: 8 });
const scannerState = fc.constantFrom('ran', 'unavailable', 'failed') as fc.Arbitrary<ScannerStatus['status']>;

function hasUndefinedOrNaN(v: unknown): boolean {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return true;
  if (Array.isArray(v)) return v.some(hasUndefinedOrNaN);
  if (v && typeof v === 'object') return Object.values(v).some(hasUndefinedOrNaN);
  return false;
}

describe('SARIF writer properties', () => {
  it('holds its invariants for random reports with hostile names', () => {
    fc.assert(
      fc.property(scripts, scannerState, scannerState, (ss, bandit, semgrep) => {
        const scanners: ScannerStatus[] = [
          { tool: 'bandit', status: bandit },
          { tool: 'semgrep', status: semgrep },
        ];
        const { log } = buildSarif({ scripts: ss, scanners, category: 'prop' });
        expect(hasUndefinedOrNaN(log)).toBe(false);
        expect(JSON.parse(JSON.stringify(log))).toStrictEqual(log);
        const byPath = new Map(ss.map((s) => [s.path, s]));
        for (const run of log.runs) {
          const tool = run.tool.driver.name.toLowerCase() as Finding['tool'];
          const rules = run.tool.driver.rules ?? [];
          for (const rule of rules) {
            const sev = Number(rule.properties?.['security-severity']);
            expect(Number.isFinite(sev) && sev >= 0 && sev <= 10, rule.id).toBe(true);
          }
          for (const r of run.results ?? []) {
            expect(rules[r.ruleIndex!]?.id).toBe(r.ruleId);
            expect(['error', 'warning', 'note']).toContain(r.level);
            const loc = r.locations![0]!.physicalLocation!;
            const uri = loc.artifactLocation!.uri!;
            // No absolute path, scheme, or `.`/`..` segment: a name such as `.. ` (dots then a
            // space) is a file like any other and is encoded, not a way out.
            const segments = uri.split('/');
            expect(
              uri.startsWith('/') || segments.some((x) => x === '..' || x === '.') || /^[a-z]+:/i.test(uri),
            ).toBe(false);
            const decoded = uri.split('/').map(decodeURIComponent).join('/');
            const s = byPath.get(decoded);
            expect(s, `uri ${uri} names no script`).toBeDefined();
            expect(
              s!.findings.some(
                (f) =>
                  !f.allowlisted &&
                  f.ruleId === r.ruleId &&
                  f.line === loc.region!.startLine &&
                  f.tool === tool,
              ),
            ).toBe(true);
          }
          const expected = ss.flatMap((s) => s.findings.filter((f) => f.tool === tool && !f.allowlisted));
          expect(run.results ?? []).toHaveLength(expected.length);
        }
        // A scanner that failed or is absent has no run of its own, unless findings of it exist.
        for (const [tool, state] of [
          ['bandit', bandit],
          ['semgrep', semgrep],
        ] as const) {
          const hasFindings = ss.some((s) => s.findings.some((f) => f.tool === tool && !f.allowlisted));
          const run = log.runs.find((r) => r.tool.driver.name.toLowerCase() === tool);
          if (state !== 'ran' && !hasFindings) expect(run, tool).toBeUndefined();
        }
        const airlock = log.runs.find((r) => r.tool.driver.name === 'Airlock')!;
        expect(airlock.invocations![0]!.executionSuccessful).toBe(
          bandit !== 'failed' && semgrep !== 'failed',
        );
      }),
      {
        numRuns: 300,
        // Found by a CI run (seed -1630209960): a folder named `.. ` is a name, not `..`.
        examples: [
          [
            [
              {
                path: '.. / .py',
                sha256: '0'.repeat(64),
                bytes: 0,
                level: 'low',
                levelReasons: [],
                findings: [
                  {
                    tool: 'bandit',
                    ruleId: 'B102',
                    severity: 'low',
                    confidence: 'low',
                    line: 1,
                    message: '',
                  },
                ],
                decision: 'executed',
              },
            ],
            'ran',
            'ran',
          ],
        ],
      },
    );
  });
});
