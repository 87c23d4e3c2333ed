import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCAL_IMAGE } from '../../../src/image/build-image.js';
import { findImagesDir } from '../../../src/image/image-metadata.js';
import { LOCK_FILE, parseLock } from '../../../src/image/wheelhouse.js';
import type { SandboxConfig, SandboxLimits } from '../../../src/sandbox/types.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { detectSemgrep, runSemgrep, SEMGREP_RULES_MOUNT } from '../../../src/scan/semgrep.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { CORPUS_DIR, corpusFiles } from './host-bandit.js';

/**
 * Semgrep for real, inside the images it runs in:
 * - the shipped sandbox image (airlock-sandbox:local, built by setup from the hash-pinned
 *   lock) has Semgrep: our rules pass their own `semgrep --test` there, under the
 *   hardened flags, and the adapter finds every Semgrep detection expected.json lists.
 *   Nothing here is conditional: an image without a working Semgrep fails these tests.
 * - a custom image without Semgrep (the small test image) must say `unavailable`,
 *   never `ran` and never crash; the policy's mode then decides.
 */
const RULES = path.resolve('policies/semgrep');
const LIMITS: SandboxLimits = {
  timeoutSeconds: 60,
  memoryMb: 512,
  cpus: 1,
  pids: 128,
  tmpfsMb: 64,
  outputMb: 16,
  nofile: 256,
  fsizeMb: 16,
  maxOutputBytes: 1024 * 1024,
  maxArtifacts: 10,
};

let sandbox: SandboxConfig;
beforeAll(async () => {
  sandbox = {
    image: await ensureTestImage(),
    runtime: 'runc',
    user: '10001:10001',
    parallelism: 1,
    label: 'airlock-test',
  };
});

describe('Semgrep absent from the sandbox image (real Docker)', () => {
  it('detectSemgrep says unavailable with a clear message', async () => {
    const d = await detectSemgrep(sandbox, LIMITS, runHardened);
    expect(d.available).toBe(false);
    expect(d.message).toMatch(/semgrep is not installed/);
  });

  it('runSemgrep reports status unavailable (the policy mode then decides), with no findings', async () => {
    const out = await runSemgrep(
      {
        root: CORPUS_DIR,
        files: ['exec_string_payload.py'],
        sandbox,
        limits: LIMITS,
        rulesDir: RULES,
        ignoreNosem: true,
        timeoutSeconds: 60,
      },
      runHardened,
    );
    expect(out.status).toMatchObject({ tool: 'semgrep', status: 'unavailable' });
    expect(out.findingsByPath.size).toBe(0);
  });
});

describe('Semgrep in the shipped sandbox image (real Docker, real Semgrep)', () => {
  const shipped = (): SandboxConfig => ({ ...sandbox, image: DEFAULT_LOCAL_IMAGE, parallelism: 1 });

  it('passes `semgrep --test` over policies/semgrep, inside the image under the hardened flags', async () => {
    const r = await runHardened({
      sandbox: shipped(),
      limits: { ...LIMITS, memoryMb: 1024, timeoutSeconds: 300 },
      profile: 'scan-semgrep',
      workDir: RULES,
      command: ['semgrep', '--test', '--metrics=off', '--disable-version-check', SEMGREP_RULES_MOUNT],
      readOnlyMounts: [{ host: RULES, container: SEMGREP_RULES_MOUNT }],
      label: 'semgrep-test',
    });
    // Printed so CI's log shows the rule tests passing, not only the verdict.
    console.info(
      `semgrep --test (in ${DEFAULT_LOCAL_IMAGE}):\n${r.stdout.slice(-2000)}${r.stderr.slice(-1000)}`,
    );
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/\d+\/\d+: ✓ All tests passed/);
  }, 320_000);

  it('detectSemgrep finds it and reports the locked version', async () => {
    const d = await detectSemgrep(shipped(), { ...LIMITS, memoryMb: 1024 }, runHardened);
    expect(d).toMatchObject({ available: true });
    const lock = parseLock(readFileSync(path.join(findImagesDir(), LOCK_FILE), 'utf8'));
    expect(d.version).toBe(lock.find((p) => p.name === 'semgrep')?.version);
  }, 120_000);

  it('finds, through the adapter, every Semgrep detection expected.json lists', async () => {
    const out = await runSemgrep(
      {
        root: CORPUS_DIR,
        files: corpusFiles(),
        sandbox: shipped(),
        limits: { ...LIMITS, memoryMb: 1024 },
        rulesDir: RULES,
        ignoreNosem: true,
        timeoutSeconds: 300,
      },
      runHardened,
    );
    expect(out.status, out.status.message).toMatchObject({ tool: 'semgrep', status: 'ran' });
    const expected = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'expected.json'), 'utf8')) as {
      files: Record<string, { catches: { tool: string; ruleId: string }[] }>;
    };
    let checked = 0;
    for (const [file, exp] of Object.entries(expected.files)) {
      const got = (out.findingsByPath.get(file) ?? []).map((f) => f.ruleId);
      for (const c of exp.catches.filter((x) => x.tool === 'semgrep')) {
        expect(got, file).toContain(c.ruleId);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  }, 320_000);
});
