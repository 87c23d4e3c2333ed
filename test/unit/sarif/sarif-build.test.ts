import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSarif, writeSarif } from '../../../src/report/sarif.js';
import { lineHashes } from '../../../src/report/sarif-fingerprint.js';
import type { Finding, ScannerStatus, ScriptReport } from '../../../src/report/types.js';

const f = (
  tool: Finding['tool'],
  ruleId: string,
  line: number,
  severity: Finding['severity'] = 'high',
  extra: Partial<Finding> = {},
): Finding => ({
  tool,
  ruleId,
  severity,
  confidence: 'high',
  line,
  message: `${ruleId} here`,
  ...extra,
});

const script = (p: string, findings: Finding[]): ScriptReport => ({
  path: p,
  sha256: '0'.repeat(64),
  bytes: 10,
  level: 'blocked',
  levelReasons: [],
  findings,
  decision: 'blocked',
});

const ran = (tool: 'bandit' | 'semgrep', version?: string): ScannerStatus => ({
  tool,
  status: 'ran',
  ...(version ? { version } : {}),
});

const SOURCES = new Map([
  ['a.py', 'import os\neval(x)\nos.system(y)\n'],
  ['dir/we ird#.py', 'exec(z)\n'],
]);

function build(overrides: Partial<Parameters<typeof buildSarif>[0]> = {}) {
  return buildSarif({
    scripts: [
      script('a.py', [
        f('bandit', 'B307', 2, 'medium'),
        f('bandit', 'B605', 3, 'high'),
        f('bandit', 'B404', 1, 'low', { allowlisted: { justification: 'reviewed', expires: '2099-01-01' } }),
        f('semgrep', 'airlock.exec-eval-compile', 2),
      ]),
      script('dir/we ird#.py', [f('bandit', 'B102', 1, 'medium'), f('airlock', 'airlock.scan-error', 1)]),
    ],
    scanners: [ran('bandit', '1.6.2'), ran('semgrep', '1.95.0')],
    category: 'airlock',
    rules: [
      {
        tool: 'bandit',
        id: 'B307',
        name: 'blacklist',
        shortDescription: 'Bandit B307: eval',
        helpUri: 'https://bandit.readthedocs.io/x',
        cwe: [95],
      },
    ],
    sources: SOURCES,
    ...overrides,
  });
}

describe('buildSarif', () => {
  it('writes SARIF 2.1.0 with one run per tool, each with its category and invocation', () => {
    const { log, notices } = build();
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs.map((r) => r.tool.driver.name)).toEqual(['Bandit', 'Semgrep', 'Airlock']);
    for (const run of log.runs) {
      expect(run.automationDetails?.id).toBe('airlock/');
      expect(run.originalUriBaseIds?.['%SRCROOT%']).toBeDefined();
      expect(run.invocations?.[0]?.executionSuccessful).toBe(true);
    }
    expect(log.runs[0]!.tool.driver).toMatchObject({ version: '1.6.2', semanticVersion: '1.6.2' });
    expect(notices).toEqual([]);
  });

  it('drops allowlisted findings (GitHub ignores suppressions)', () => {
    const bandit = build().log.runs[0]!;
    expect(bandit.results!.map((r) => r.ruleId)).toEqual(['B307', 'B605', 'B102']);
    expect(bandit.tool.driver.rules!.map((r) => r.id)).not.toContain('B404');
  });

  it('describes every rule the way GitHub reads it, and ruleIndex points at it', () => {
    for (const run of build().log.runs) {
      const rules = run.tool.driver.rules!;
      for (const r of run.results!) {
        expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
      }
      for (const rule of rules) {
        expect(rule.shortDescription?.text).toBeTruthy();
        expect(rule.fullDescription?.text).toBeTruthy();
        expect(rule.help?.text).toBeTruthy();
        expect(rule.help?.markdown).toBeTruthy();
        const sev = rule.properties!['security-severity'] as string;
        expect(typeof sev).toBe('string');
        expect(Number(sev)).toBeGreaterThan(0);
        expect(Number(sev)).toBeLessThanOrEqual(10);
        expect(rule.properties!.tags).toContain('security');
      }
    }
    const b307 = build().log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'B307')!;
    expect(b307).toMatchObject({ name: 'blacklist', helpUri: 'https://bandit.readthedocs.io/x' });
    expect(b307.properties!.tags).toContain('external/cwe/cwe-95');
    expect(b307.properties!['security-severity']).toBe('5.5');
  });

  it('maps severity to level, and locates results by encoded relative URI with line and fingerprint', () => {
    const bandit = build().log.runs[0]!;
    const [b307, b605, b102] = bandit.results!;
    expect(b307!.level).toBe('warning');
    expect(b605!.level).toBe('error');
    const loc = b102!.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation).toEqual({ uri: 'dir/we%20ird%23.py', uriBaseId: '%SRCROOT%' });
    expect(loc.region).toEqual({ startLine: 1 });
    expect(b307!.partialFingerprints!.primaryLocationLineHash).toBe(lineHashes(SOURCES.get('a.py')!).get(2));
  });

  it('reads fingerprints from the staged source root, but never through a symlink out of it', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sarif-src-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'sarif-out-'));
    writeFileSync(path.join(root, 'a.py'), 'x = 1\neval(x)\n');
    writeFileSync(path.join(outside, 'secret.py'), 'eval(secret)\n');
    symlinkSync(path.join(outside, 'secret.py'), path.join(root, 'link.py'));
    const { log } = buildSarif({
      scripts: [script('a.py', [f('bandit', 'B307', 2)]), script('link.py', [f('bandit', 'B307', 1)])],
      scanners: [ran('bandit')],
      category: 'airlock',
      sourceRoot: root,
    });
    const [a, link] = log.runs[0]!.results!;
    expect(a!.partialFingerprints?.primaryLocationLineHash).toBe(lineHashes('x = 1\neval(x)\n').get(2));
    expect(link!.partialFingerprints).toBeUndefined();
  });

  it('gives an absent optional Semgrep no run (that would close its alerts) but a notification', () => {
    const { log } = build({
      scripts: [script('a.py', [f('bandit', 'B307', 2)])],
      scanners: [
        ran('bandit'),
        { tool: 'semgrep', status: 'unavailable', message: 'semgrep is not installed' },
      ],
    });
    expect(log.runs.map((r) => r.tool.driver.name)).toEqual(['Bandit', 'Airlock']);
    const inv = log.runs[1]!.invocations![0]!;
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: { text: 'semgrep unavailable: semgrep is not installed' },
      }),
    ]);
  });

  it('reports a failed scanner as an unsuccessful execution', () => {
    const { log } = build({
      scripts: [],
      scanners: [{ tool: 'bandit', status: 'failed', message: 'Bandit timed out' }],
    });
    expect(log.runs.map((r) => r.tool.driver.name)).toEqual(['Airlock']);
    const inv = log.runs[0]!.invocations![0]!;
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications![0]).toMatchObject({
      level: 'error',
      message: { text: 'bandit failed: Bandit timed out' },
    });
  });

  it('does not double the category slash and bounds hostile message length', () => {
    const long = 'A'.repeat(10_000);
    const { log } = build({
      category: 'airlock/pr/',
      scripts: [script('a.py', [f('airlock', 'airlock.scan-error', 1, 'high', { message: long })])],
    });
    expect(log.runs.at(-1)!.automationDetails!.id).toBe('airlock/pr/');
    expect(log.runs.at(-1)!.results![0]!.message.text!.length).toBeLessThan(2100);
  });

  it('returns truncation notices with the log', () => {
    const many = Array.from({ length: 30 }, (_, i) => f('bandit', 'B307', i + 1));
    const { log, notices } = build({
      scripts: [script('a.py', many)],
      limits: {
        maxRuns: 20,
        maxResultsPerRun: 10,
        maxLocationsPerResult: 1000,
        maxGzipBytes: 10 * 1024 * 1024,
      },
    });
    expect(log.runs[0]!.results).toHaveLength(10);
    expect(notices).toHaveLength(1);
  });
});

describe('writeSarif', () => {
  it('writes the log as JSON that reads back equal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sarif-w-'));
    const file = path.join(dir, 'airlock.sarif');
    const { log } = build();
    const { bytes } = await writeSarif(log, file);
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBe(bytes);
    expect(JSON.parse(text)).toEqual(log);
  });
});
