import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import type { GateReport } from '../../../src/report/types.js';
import { readEngineFacts } from '../../../src/sandbox/engine-limits-check.js';
import { runscHostUdsOpen } from '../../../src/sandbox/runsc-host-uds.js';
import { type InfoRewrite, startInfoRewrite } from '../../helpers/engine-info-rewrite.js';
import { ensureTestImage } from '../../helpers/test-image.js';

// Egress under gVisor needs runsc registered with --host-uds=open (src/sandbox/runsc-host-uds.ts):
// without it every request fails inside the sandbox and nothing reaches the proxy. The
// gate refuses such an engine before anything runs. The engine here is the machine's
// real Docker, seen through a socket whose /info shows runsc registered without the
// flag (test/helpers/engine-info-rewrite.ts), so the daemon the other tests share keeps
// its configuration; the shipped CLI (dist/cli.js) runs as a runner would run it.
const REPO = resolve(import.meta.dirname, '../../..');
const DOCKER_SOCKET = '/var/run/docker.sock';

let ws: string;
let image: string;
let rewrite: InfoRewrite;

const POLICY = (egress: boolean) => `version: 1
extends: default
# The small test image has no Semgrep (test/fixtures/policies/bandit-only.yml says why).
scanners:
  semgrep:
    mode: off
${
  egress
    ? `profiles:
  standard:
    egress:
      allow: ["index.test:443"]
`
    : ''
}`;

function gate(policy: string, tag: string) {
  return tryRunCommand(
    'node',
    [
      join(REPO, 'dist/cli.js'),
      'gate',
      'analysis',
      '--image',
      image,
      '--runtime',
      'runsc',
      '--policy',
      policy,
      '--report',
      `${tag}.json`,
      '--out',
      `out-${tag}`,
    ],
    { cwd: ws, env: minimalEnv({ DOCKER_HOST: `unix://${rewrite.socket}` }), timeoutMs: 240_000 },
  );
}

beforeAll(async () => {
  image = await ensureTestImage();
  ws = mkdtempSync(join(tmpdir(), 'airlock-runsc-uds-'));
  chmodSync(ws, 0o755);
  mkdirSync(join(ws, 'analysis'), { mode: 0o755 });
  writeFileSync(join(ws, 'analysis', 'hello.py'), 'print("ran")\n', { mode: 0o644 });
  writeFileSync(join(ws, 'egress.yml'), POLICY(true));
  writeFileSync(join(ws, 'plain.yml'), POLICY(false));
  // What an engine registered as ENVIRONMENT.md's first recipe had it: runsc with --network=none only.
  rewrite = await startInfoRewrite(join(ws, 'engine.sock'), DOCKER_SOCKET, (info) => {
    const runtimes = info.Runtimes as Record<string, { path: string; runtimeArgs?: string[] }>;
    runtimes.runsc = { path: runtimes.runsc?.path ?? '/usr/bin/runsc', runtimeArgs: ['--network=none'] };
    return info;
  });
}, 660_000);

afterAll(async () => {
  await rewrite?.close();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

describe('egress under runsc and the runtime registration', () => {
  it("this machine's engine registers runsc with --host-uds=open (scripts/setup.sh), read from its /info", async () => {
    const facts = await readEngineFacts({ kind: 'docker', socket: DOCKER_SOCKET, how: 'requested' });
    expect(facts.runtimeArgs.runsc, JSON.stringify(facts.runtimeArgs)).toBeDefined();
    expect(runscHostUdsOpen(facts.runtimeArgs.runsc!)).toBe(true);
  });

  it('a gate whose policy gives egress refuses runsc registered without it, before anything runs (exit 2)', async () => {
    const before = rewrite.infoServed();
    const r = await gate('egress.yml', 'refused');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('ENGINE_RUNTIME_UNSUPPORTED');
    expect(r.stderr).toContain('the policy gives low scripts egress');
    expect(r.stderr).toContain('its runtimeArgs: ["--network=none"]');
    expect(r.stderr).toContain('Add "--host-uds=open"');
    expect(rewrite.infoServed()).toBeGreaterThan(before);
    expect(existsSync(join(ws, 'refused.json'))).toBe(false);
  }, 240_000);

  it('the same engine still runs a gate without egress under runsc: the refusal is about egress alone', async () => {
    const r = await gate('plain.yml', 'plain');
    expect(r.exitCode, r.stderr).toBe(0);
    const report: GateReport = JSON.parse(readFileSync(join(ws, 'plain.json'), 'utf8'));
    expect(report.scripts[0]?.execution).toMatchObject({ status: 'success', runtime: 'runsc' });
    expect(report.scripts[0]?.execution?.stdout).toBe('ran\n');
  }, 240_000);
});
