import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SandboxConfig, SandboxLimits } from '../../../src/sandbox/types.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { runBandit } from '../../../src/scan/bandit.js';
import { SCAN_ERROR_RULE } from '../../../src/scan/scan-error.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { CORPUS_DIR, mixedCorpus } from './host-bandit.js';

/**
 * The real thing: ONE Bandit process over all files, inside the test image (Debian
 * python3 + bandit 1.6.2, uid 10001) under the hardened flags with no network.
 */
const LIMITS: SandboxLimits = {
  timeoutSeconds: 120,
  memoryMb: 1024,
  cpus: 1,
  pids: 256,
  tmpfsMb: 64,
  outputMb: 16,
  nofile: 256,
  fsizeMb: 16,
  maxOutputBytes: 1024 * 1024,
  maxArtifacts: 10,
};

let sandbox: SandboxConfig;

/** The container user (10001) must be able to read the staged files; mkdtemp makes 0700. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) openUp(p);
    else chmodSync(p, 0o644);
  }
}

interface Expected {
  files: Record<
    string,
    { catches: { tool: string; ruleId: string; severity: string; line?: number; only?: string }[] }
  >;
}
const expected = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'expected.json'), 'utf8')) as Expected;

beforeAll(async () => {
  sandbox = {
    image: await ensureTestImage(),
    runtime: 'runc',
    user: '10001:10001',
    parallelism: 1,
    label: 'airlock-test',
  };
});

describe('runBandit in the sandbox (real Docker, real Bandit)', () => {
  it('scans the hostile corpus and benign files in one run and finds what expected.json lists', async () => {
    const { root, files } = mixedCorpus();
    openUp(root);
    const calls: string[][] = [];
    const out = await runBandit(
      { root, files, sandbox, limits: LIMITS, ignoreNosec: true, timeoutSeconds: 120 },
      (spec) => {
        calls.push(spec.command);
        return runHardened(spec);
      },
    );
    expect(out.status, out.status.message).toMatchObject({ tool: 'bandit', status: 'ran', version: '1.6.2' });
    // one scan process for every file (plus the version probe)
    expect(calls.filter((c) => !c.includes('--version'))).toHaveLength(1);
    for (const [file, exp] of Object.entries(expected.files)) {
      const got = (out.findingsByPath.get(`hostile/${file}`) ?? []).map(
        (f) => `${f.tool}:${f.ruleId}:${f.severity}:${f.line}`,
      );
      for (const c of exp.catches.filter((x) => x.tool !== 'semgrep' && x.only !== '1.9.4')) {
        expect(got, file).toContain(`${c.tool}:${c.ruleId}:${c.severity}:${c.line}`);
      }
    }
    expect(out.findingsByPath.get('hostile/python2_syntax_evades_parser.py')![0]!.ruleId).toBe(
      SCAN_ERROR_RULE,
    );
    for (const benign of files.filter((f) => f.startsWith('benign/'))) {
      expect(out.findingsByPath.get(benign), benign).toBeUndefined();
    }
  });

  it('fails closed (status failed, no findings) when Bandit times out', async () => {
    const { root } = mixedCorpus();
    // ~6 MB of calls: Bandit 1.6.2 needs well over a second for it.
    writeFileSync(path.join(root, 'huge.py'), 'eval(x)\n'.repeat(800_000));
    openUp(root);
    const out = await runBandit(
      { root, files: ['huge.py'], sandbox, limits: LIMITS, ignoreNosec: true, timeoutSeconds: 1 },
      runHardened,
    );
    expect(out.status.status).toBe('failed');
    expect(out.status.message).toMatch(/timed out/);
    expect(out.findingsByPath.size).toBe(0);
  });

  // `unavailable`, like any registered scanner the image lacks: Bandit is required by
  // every shipped policy, so that is a scanner gap and the gate runs nothing
  // (test/integration/scan/scanner-modes.test.ts shows the gate's side).
  it('is unavailable, with no findings, when the image has no Bandit', async () => {
    const { root, files } = mixedCorpus();
    openUp(root);
    const out = await runBandit(
      {
        root,
        files: files.slice(0, 2),
        sandbox: { ...sandbox, image: 'debian:bookworm-slim' },
        limits: LIMITS,
        ignoreNosec: true,
        timeoutSeconds: 60,
      },
      runHardened,
    );
    expect(out.status.status).toBe('unavailable');
    expect(out.status.message).toMatch(/bandit is not installed in the sandbox image/);
    expect(out.findingsByPath.size).toBe(0);
  });
});
