import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../../src/report/types.js';
import { SMOKE_CHECKS, smokeChecksFor } from '../../../src/smoke/checks.js';

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
const ctx = { fakeSecret: 'airlock-fake-123', runtime: 'runc' as const, flavor: 'full' as const };
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

  it('the notebook check passes only when the executed copy holds the cell output, not on a claim', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'airlock-judge-'));
    const claimed = result({
      stdout: JSON.stringify({ status: 'pass', detail: 'ok', file: 'smoke.ipynb' }),
      artifacts: [{ path: 'smoke.ipynb', bytes: 200, sha256: 'x'.repeat(64) }],
    });
    const j = check('notebook-run').judge;
    const executed = (text: string) =>
      JSON.stringify({ cells: [{ cell_type: 'code', outputs: [{ output_type: 'stream', text }] }] });
    writeFileSync(path.join(out, 'smoke.ipynb'), executed('nothing ran'.repeat(20)));
    expect((await j(claimed, out, ctx)).status).toBe('fail');
    writeFileSync(path.join(out, 'smoke.ipynb'), 'not json'.repeat(30));
    expect((await j(claimed, out, ctx)).status).toBe('fail');
    writeFileSync(path.join(out, 'smoke.ipynb'), executed('notebook-sum 42\n'.repeat(10)));
    expect((await j(claimed, out, ctx)).status).toBe('pass');
  });

  it('the memory check passes only on an oom classification, not on exit 137', async () => {
    const j = check('memory-limit').judge;
    expect((await j(result({ status: 'oom', exitCode: 137 }), '', ctx)).status).toBe('pass');
    expect((await j(result({ status: 'failure', exitCode: 137 }), '', ctx)).status).toBe('fail');
    expect((await j(result({ status: 'success' }), '', ctx)).status).toBe('fail');
    // A failure says why the run ended: an `error` with no output is otherwise mute.
    const mute = await j(
      result({ status: 'error', reason: 'the sandbox ended: container stopped' }),
      '',
      ctx,
    );
    expect(mute).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('(the sandbox ended: container stopped)'),
    });
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

  it('versions.json must name the flavor checked and list what that flavor has, and only that', async () => {
    const j = check('versions-file').judge;
    const core = { flavor: 'core', python: '3.11.2', bandit: '1.9.4', semgrep: '1.187.0', polars: '2.1.0' };
    const libs = { pandas: '1.5.3', matplotlib: '3.6.3', networkx: '2.8.8', graphviz: '2.42.2' };
    const file = (v: Record<string, unknown>) =>
      result({ stdout: JSON.stringify({ status: 'pass', detail: 'read', versions: v }) });
    const asCore = { ...ctx, flavor: 'core' as const };
    const full = {
      ...core,
      ...libs,
      flavor: 'full',
      chromium: '131.0',
      'mermaid-cli': '11.4.0',
      nodejs: '18.19',
    };
    expect((await j(file({ ...core, ...libs }), '', asCore)).status).toBe('pass');
    expect((await j(file(full), '', ctx)).status).toBe('pass');
    // A core image that grew Chromium, a full image without it, a label that lies.
    expect((await j(file({ ...core, ...libs, chromium: '131.0' }), '', asCore)).status).toBe('fail');
    expect((await j(file({ ...full, chromium: null }), '', ctx)).status).toBe('fail');
    expect((await j(file(full), '', asCore)).status).toBe('fail');
    expect((await j(file({ ...core, ...libs, semgrep: null }), '', asCore)).status).toBe('fail');
    expect((await j(result({ status: 'failure', exitCode: 1 }), '', asCore)).status).toBe('fail');
  });

  it('mermaid-render runs on full only, no-browser on core only; the rest on both', () => {
    const core = smokeChecksFor('core').map((c) => c.name);
    const full = smokeChecksFor('full').map((c) => c.name);
    expect(core).toContain('no-browser');
    expect(core).not.toContain('mermaid-render');
    expect(full).toContain('mermaid-render');
    expect(full).not.toContain('no-browser');
    expect(core.filter((n) => n !== 'no-browser')).toEqual(full.filter((n) => n !== 'mermaid-render'));
  });
});
