import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../../src/report/types.js';
import { SMOKE_CHECKS } from '../../../src/smoke/checks.js';

// Pure: the host-side judges must not believe a check script's claim alone.
function result(over: Partial<ExecutionResult>): ExecutionResult {
  return {
    status: 'success',
    exitCode: 0,
    durationMs: 1,
    peakMemoryBytes: 1,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutSha256: '',
    stderrSha256: '',
    artifacts: [],
    artifactsTruncated: false,
    runtime: 'runc',
    profile: 'standard',
    containerName: 'c',
    ...over,
  };
}
const check = (name: string) => SMOKE_CHECKS.find((c) => c.name === name)!;
const ctx = { fakeSecret: 'airlock-fake-123', runtime: 'runc' as const };
const pass = JSON.stringify({ status: 'pass', detail: 'ok', file: 'plot.png' });

describe('smoke judges', () => {
  it('a PNG check fails when the file is missing or not a PNG, even if the script says pass', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'airlock-judge-'));
    expect((await check('matplotlib-png').judge(result({ stdout: pass }), out, ctx)).status).toBe('fail');
    writeFileSync(path.join(out, 'plot.png'), 'not a png'.repeat(200));
    const fake = result({
      stdout: pass,
      artifacts: [{ path: 'plot.png', bytes: 1800, sha256: 'x'.repeat(64) }],
    });
    expect((await check('matplotlib-png').judge(fake, out, ctx)).status).toBe('fail');
    writeFileSync(
      path.join(out, 'plot.png'),
      Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000)]),
    );
    expect((await check('matplotlib-png').judge(fake, out, ctx)).status).toBe('pass');
  });

  it('the memory check passes only on an oom classification, not on exit 137', async () => {
    const j = check('memory-limit').judge;
    expect((await j(result({ status: 'oom', exitCode: 137 }), '', ctx)).status).toBe('pass');
    expect((await j(result({ status: 'failure', exitCode: 137 }), '', ctx)).status).toBe('fail');
    expect((await j(result({ status: 'success' }), '', ctx)).status).toBe('fail');
  });

  it('the secret check fails when the fake secret shows up anywhere, or an unexpected variable', async () => {
    const j = check('no-runner-secrets').judge;
    const env = (e: Record<string, string>) => result({ stdout: JSON.stringify({ status: 'pass', env: e }) });
    expect((await j(env({ HOME: '/tmp', PATH: '/bin' }), '', ctx)).status).toBe('pass');
    expect((await j(env({ HOME: '/tmp', X: 'airlock-fake-123' }), '', ctx)).status).toBe('fail');
    expect((await j(env({ HOME: '/tmp', GITHUB_TOKEN: 'x' }), '', ctx)).status).toBe('fail');
    expect(
      (await j(result({ stderr: 'airlock-fake-123', stdout: '{"status":"pass","env":{}}' }), '', ctx)).status,
    ).toBe('fail');
  });

  it('a crashed or silent check script is a fail, never a pass', async () => {
    for (const name of ['not-root', 'no-network', 'python-version']) {
      const j = check(name).judge;
      expect((await j(result({ status: 'failure', exitCode: 1 }), '', ctx)).status).toBe('fail');
      expect((await j(result({ stdout: 'garbage' }), '', ctx)).status).toBe('fail');
      expect((await j(result({ status: 'timeout', stdout: '{"status":"pass"}' }), '', ctx)).status).toBe(
        'fail',
      );
    }
  });
});
