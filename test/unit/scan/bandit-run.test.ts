import { describe, expect, it } from 'vitest';
import { banditArgv, runBandit } from '../../../src/scan/bandit.js';
import { batchArgs } from '../../../src/scan/batches.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';
import { fakeRunner, LIMITS, SANDBOX } from './runner-fake.js';

const report = (files: string[], results: object[] = []) =>
  JSON.stringify({ errors: [], metrics: Object.fromEntries(files.map((f) => [`./${f}`, {}])), results });

const opts = (files: string[]) => ({
  root: '/tmp/stage',
  files,
  sandbox: { ...SANDBOX },
  limits: LIMITS,
  ignoreNosec: true,
  timeoutSeconds: 30,
});

describe('banditArgv', () => {
  it('passes files explicitly after --, dot-slashed, with the ini neutralised', () => {
    expect(banditArgv(['-r.py', 'a b.py'], true)).toEqual([
      'bandit',
      '-f',
      'json',
      '-q',
      '--ini',
      '/dev/null',
      '--ignore-nosec',
      '--',
      './-r.py',
      './a b.py',
    ]);
    expect(banditArgv(['a.py'], false)).not.toContain('--ignore-nosec');
  });
});

describe('batchArgs', () => {
  it('keeps every argument, in order, each batch within budget', () => {
    const args = Array.from({ length: 1000 }, (_, i) => `dir/file-${i}.py`);
    const batches = batchArgs(args, 4096);
    expect(batches.flat()).toEqual(args);
    for (const b of batches)
      expect(b.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0)).toBeLessThanOrEqual(4096);
    expect(batches.length).toBeGreaterThan(1);
    expect(batchArgs(args)).toHaveLength(1);
  });
});

describe('runBandit (orchestration; real Bandit runs in test/integration/scan)', () => {
  it('runs once for all files, read-only workdir, with a large output cap and the scanner timeout', async () => {
    const fake = fakeRunner((s) =>
      s.command.includes('--version') ? { stdout: 'bandit 1.6.2\n' } : { stdout: report(['a.py', 'b.py']) },
    );
    const out = await runBandit(opts(['a.py', 'b.py']), fake.run);
    const scans = fake.calls.filter((c) => !c.command.includes('--version'));
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ workDir: '/tmp/stage', limits: { timeoutSeconds: 30 } });
    expect(scans[0]!.limits.maxOutputBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(scans[0]!.env).toBeUndefined();
    expect(out.status).toMatchObject({ tool: 'bandit', status: 'ran', version: '1.6.2' });
  });

  it('treats exit 1 (issues found) as a completed scan', async () => {
    const fake = fakeRunner(() => ({
      status: 'failure',
      exitCode: 1,
      stdout: report(
        ['a.py'],
        [
          {
            filename: './a.py',
            test_id: 'B102',
            issue_severity: 'MEDIUM',
            issue_confidence: 'HIGH',
            issue_text: 'exec',
            line_number: 2,
          },
        ],
      ),
    }));
    const out = await runBandit(opts(['a.py']), fake.run);
    expect(out.status.status).toBe('ran');
    expect(out.findingsByPath.get('a.py')![0]!.ruleId).toBe('B102');
  });

  it('marks a file Bandit did not report as a scan error, not clean', async () => {
    const fake = fakeRunner(() => ({ stdout: report(['a.py']) }));
    const out = await runBandit(opts(['a.py', 'skipped.py']), fake.run);
    expect(out.status.status).toBe('ran');
    expect(out.findingsByPath.get('skipped.py')).toEqual([
      expect.objectContaining({ ruleId: SCAN_ERROR_RULE }),
    ]);
    expect(out.findingsByPath.has('a.py')).toBe(false);
  });

  it.each([
    ['a timeout', { status: 'timeout' as const, exitCode: null }],
    ['an OOM kill', { status: 'oom' as const, exitCode: 137 }],
    ['exit 2 (Bandit error)', { status: 'failure' as const, exitCode: 2, stderr: 'No tests would be run' }],
    ['garbage on stdout', { exitCode: 0, stdout: 'Traceback...' }],
    ['a report cut off at the output cap', { exitCode: 1, stdout: report(['a.py']), stdoutTruncated: true }],
  ])('fails closed on %s', async (_n, res) => {
    const fake = fakeRunner((s) =>
      s.command.includes('--version') ? { exitCode: 0, stdout: 'bandit 1.6.2' } : res,
    );
    const out = await runBandit(opts(['a.py']), fake.run);
    expect(out.status.status).toBe('failed');
    expect(out.status.message).toBeTruthy();
    expect(out.findingsByPath.size).toBe(0);
  });

  it('refuses paths that are not plain relative paths', async () => {
    const fake = fakeRunner(() => ({}));
    for (const bad of ['/etc/passwd', '../x.py', 'a/../../x.py', '', 'a\0b.py']) {
      await expect(runBandit(opts([bad]), fake.run)).rejects.toMatchObject({ code: 'PATH_INVALID' });
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('does not start a container for zero files', async () => {
    const fake = fakeRunner(() => ({}));
    const out = await runBandit(opts([]), fake.run);
    expect(out.status.status).toBe('ran');
  });
});
