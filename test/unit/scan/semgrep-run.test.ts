import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScannerStatus } from '../../../src/report/types.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';
import {
  detectSemgrep,
  runSemgrep,
  SEMGREP_RULES_MOUNT,
  semgrepArgv,
  semgrepGap,
} from '../../../src/scan/semgrep.js';
import { fakeRunner, LIMITS, SANDBOX } from './runner-fake.js';

// Semgrep is not installable on the build machines: its runs are faked, with output
// shaped exactly like the real output in test/fixtures/semgrep/results.json.
const rulesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../policies/semgrep');
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/semgrep/results.json', import.meta.url), 'utf8'),
);

function output(scanned: string[], checkId = 'airlock.semgrep-rules.airlock.exec-eval-compile'): string {
  const j = structuredClone(fixture);
  j.paths.scanned = scanned.map((p) => `./${p}`);
  j.results[0].path = `./${scanned[0]}`;
  j.results[0].check_id = checkId;
  return JSON.stringify(j);
}

const opts = (files: string[]) => ({
  root: '/tmp/stage',
  files,
  sandbox: { ...SANDBOX },
  limits: LIMITS,
  rulesDir,
  ignoreNosem: true,
  timeoutSeconds: 300,
});

describe('semgrepArgv', () => {
  it('uses only our mounted rules, no metrics, no version check, ignores .gitignore and nosemgrep', () => {
    const argv = semgrepArgv(['-x.py'], true);
    expect(argv.slice(0, 5)).toEqual(['semgrep', 'scan', '--json', '--config', SEMGREP_RULES_MOUNT]);
    for (const flag of [
      '--metrics=off',
      '--disable-version-check',
      '--no-git-ignore',
      '--no-rewrite-rule-ids',
      '--max-target-bytes=0',
      '--quiet',
      '--disable-nosem',
    ]) {
      expect(argv).toContain(flag);
    }
    expect(argv.slice(-2)).toEqual(['--', './-x.py']);
    expect(semgrepArgv(['a.py'], false)).not.toContain('--disable-nosem');
  });
});

describe('runSemgrep', () => {
  it('mounts the rules read-only and maps prefixed check ids to our rule ids', async () => {
    const fake = fakeRunner(() => ({ stdout: output(['a.py', 'b.py']) }));
    const out = await runSemgrep(opts(['a.py', 'b.py']), fake.run);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.readOnlyMounts).toEqual([{ host: rulesDir, container: SEMGREP_RULES_MOUNT }]);
    expect(out.status).toMatchObject({ tool: 'semgrep', status: 'ran', version: '0.42' });
    expect(out.findingsByPath.get('a.py')![0]).toMatchObject({
      tool: 'semgrep',
      ruleId: 'airlock.exec-eval-compile',
    });
    expect(out.rules.map((r) => r.id)).toEqual(['airlock.exec-eval-compile']);
    expect(out.rules[0]!.cwe).toEqual([95]);
  });

  it('reports a file Semgrep did not scan (.semgrepignore, size filter) as a scan error', async () => {
    const fake = fakeRunner(() => ({ stdout: output(['a.py']) }));
    const out = await runSemgrep(opts(['a.py', 'hidden.py']), fake.run);
    expect(out.findingsByPath.get('hidden.py')).toEqual([
      expect.objectContaining({ ruleId: SCAN_ERROR_RULE }),
    ]);
  });

  it('is unavailable (not failed) when the image has no semgrep', async () => {
    const fake = fakeRunner(() => ({
      status: 'error',
      exitCode: 127,
      stderr:
        'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: exec: "semgrep": executable file not found in $PATH',
    }));
    const out = await runSemgrep(opts(['a.py']), fake.run);
    expect(out.status.status).toBe('unavailable');
    expect(out.status.message).toMatch(/not installed/);
  });

  it.each([
    ['a crash', { status: 'failure' as const, exitCode: 2, stderr: 'Fatal error' }],
    ['a timeout', { status: 'timeout' as const, exitCode: null }],
    ['garbage', { stdout: 'not json' }],
    [
      'a rule that failed to load',
      {
        stdout: JSON.stringify({
          ...fixture,
          errors: [{ level: 'error', type: 'InvalidRuleSchemaError', message: 'x' }],
        }),
      },
    ],
  ])('fails closed on %s', async (_n, res) => {
    const fake = fakeRunner(() => res);
    const out = await runSemgrep(opts(['targets/basic/stupid.py']), fake.run);
    expect(out.status.status).toBe('failed');
    expect(out.findingsByPath.size).toBe(0);
  });
});

describe('detectSemgrep', () => {
  it('reads the version when present', async () => {
    const fake = fakeRunner(() => ({ stdout: '1.95.0\n' }));
    expect(await detectSemgrep({ ...SANDBOX }, LIMITS, fake.run)).toEqual({
      available: true,
      version: '1.95.0',
    });
    expect(fake.calls[0]!.command).toEqual(['semgrep', '--version']);
  });
  it('says absent on exit 127', async () => {
    const fake = fakeRunner(() => ({ status: 'error', exitCode: 127 }));
    const d = await detectSemgrep({ ...SANDBOX }, LIMITS, fake.run);
    expect(d.available).toBe(false);
    expect(d.message).toMatch(/not installed/);
  });
  it('a present but broken semgrep is not "unavailable": its scan runs and fails the gate', async () => {
    const fake = fakeRunner(() => ({ status: 'failure', exitCode: 2, stderr: 'Fatal error: ca-certs' }));
    const d = await detectSemgrep({ ...SANDBOX }, LIMITS, fake.run);
    expect(d.available).toBe(true);
    expect(d.version).toBeUndefined();
    expect(d.message).toMatch(/ca-certs/);
  });
});

describe('semgrepGap: the policy mode decides what a missing Semgrep costs', () => {
  const st = (status: ScannerStatus['status']): ScannerStatus => ({
    tool: 'semgrep',
    status,
    message: 'why',
  });
  it.each([
    ['off', undefined, false, false],
    ['optional', st('ran'), false, false],
    ['optional', st('unavailable'), false, true],
    ['optional', st('failed'), true, true],
    ['required', st('unavailable'), true, true],
    ['required', st('failed'), true, true],
    ['required', st('ran'), false, false],
    ['required', undefined, true, true],
  ] as const)('%s + %o -> failsGate %s', (mode, status, fails, hasNotice) => {
    const g = semgrepGap(mode, status);
    expect(g.failsGate).toBe(fails);
    expect(Boolean(g.notice)).toBe(hasNotice);
  });
});
