import { describe, expect, it } from 'vitest';
import { PolicySchema } from '../../../src/policy/schema.js';
import { buildSarif } from '../../../src/report/sarif.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { GateReport, ScannerStatus } from '../../../src/report/types.js';
import { SCANNER_IDS, SCANNERS, scannerById } from '../../../src/scan/registry.js';
import { scannerGap } from '../../../src/scan/scanner.js';

/**
 * The registry is the one list of scanners: the policy schema, the SARIF writer and
 * the summary must follow it rather than name scanners themselves.
 */
describe('the scanner registry', () => {
  it('lists Bandit then Semgrep, each with a driver and a probe', () => {
    expect(SCANNER_IDS).toEqual(['bandit', 'semgrep']);
    for (const s of SCANNERS) {
      expect(s.driver.informationUri).toMatch(/^https:\/\//);
      expect(s.probe.argv[0]).toBe(s.name);
      expect(scannerById(s.name)).toBe(s);
    }
    expect(scannerById('pylint')).toBeUndefined();
  });

  it('reads versions the way each tool prints them', () => {
    expect(scannerById('bandit')!.probe.parseVersion('bandit 1.9.4\n  python version = 3.11.2\n')).toBe(
      '1.9.4',
    );
    expect(scannerById('semgrep')!.probe.parseVersion('1.187.0\n')).toBe('1.187.0');
    expect(scannerById('bandit')!.probe.parseVersion('Traceback ...')).toBeUndefined();
  });
});

describe('policy scanners.<name> comes from the registry', () => {
  it('has one section per registered scanner, both required by default', () => {
    const doc = PolicySchema.parse({ version: 1 });
    expect(Object.keys(doc.scanners)).toEqual(SCANNER_IDS);
    expect(doc.scanners.bandit).toEqual({ mode: 'required', ignoreNosec: true, timeoutSeconds: 120 });
    expect(doc.scanners.semgrep).toMatchObject({ mode: 'required', ignoreNosec: true, timeoutSeconds: 300 });
  });

  it('refuses a section for a scanner the registry does not have, and unknown fields', () => {
    expect(PolicySchema.safeParse({ version: 1, scanners: { pylint: {} } }).success).toBe(false);
    expect(PolicySchema.safeParse({ version: 1, scanners: { bandit: { rulesDir: 'x' } } }).success).toBe(
      false,
    );
    expect(PolicySchema.safeParse({ version: 1, scanners: { semgrep: { rulesDir: 'x' } } }).success).toBe(
      true,
    );
  });

  it('accepts registered tools (and airlock) in level rules and allowlists, nothing else', () => {
    const rule = (tool: string) => ({
      version: 1,
      levels: { rules: [{ tool, ruleId: 'X1', level: 'low' }] },
    });
    for (const tool of [...SCANNER_IDS, 'airlock'])
      expect(PolicySchema.safeParse(rule(tool)).success).toBe(true);
    expect(PolicySchema.safeParse(rule('pylint')).success).toBe(false);
  });
});

describe('SARIF drivers come from the registry', () => {
  it('one run per scanner that ran, named, linked and versioned from its definition and status', () => {
    const scanners: ScannerStatus[] = [
      { tool: 'bandit', status: 'ran', version: '1.9.4' },
      { tool: 'semgrep', status: 'ran', version: '1.187.0' },
    ];
    const { log } = buildSarif({ scripts: [], scanners, category: 'c' });
    expect(log.runs.map((r) => r.tool.driver)).toEqual([
      expect.objectContaining({
        name: 'Bandit',
        informationUri: 'https://bandit.readthedocs.io/',
        version: '1.9.4',
      }),
      expect.objectContaining({
        name: 'Semgrep',
        informationUri: 'https://semgrep.dev/',
        version: '1.187.0',
      }),
      expect.objectContaining({ name: 'Airlock' }),
    ]);
  });
});

describe('a scanner that did not scan is a warning, not a notice', () => {
  const report = (scanners: ScannerStatus[]): GateReport => ({
    version: 1,
    tool: { name: 'airlock', version: '0' },
    startedAt: '',
    finishedAt: '',
    workspace: '/w',
    verdict: 'pass',
    verdictReasons: [],
    counts: { low: 0, high: 0, blocked: 0, executed: 0, failed: 0 },
    policy: { path: 'p.yml', name: 'p', sha256: 'a'.repeat(64) },
    image: { ref: 'img', id: null },
    scanners,
    notices: [],
    scripts: [],
  });

  it('the summary opens a warning box naming the missing scanner', () => {
    const md = renderSummary(
      report([
        { tool: 'bandit', status: 'ran', version: '1.9.4' },
        { tool: 'semgrep', status: 'unavailable', message: 'semgrep is not installed in the sandbox image' },
      ]),
    );
    expect(md).toMatch(/> \[!WARNING\]\n> \*\*Semgrep did not scan: semgrep is not installed/);
    expect(md).toContain('**Scanners:** bandit ran 1.9.4, semgrep unavailable');
  });

  it('no warning box when every scanner ran', () => {
    const md = renderSummary(report([{ tool: 'bandit', status: 'ran' }]));
    expect(md).not.toContain('[!WARNING]');
  });

  it.each([
    ['optional', 'unavailable', false],
    ['optional', 'failed', true],
    ['required', 'unavailable', true],
    ['off', 'unavailable', false],
  ] as const)('mode %s + %s -> gap %s', (mode, status, gap) => {
    expect(scannerGap('Bandit', mode, { tool: 'bandit', status }).failsGate).toBe(gap);
  });
});
