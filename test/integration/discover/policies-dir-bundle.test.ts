import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';

/**
 * policiesDir() must find the shipped policies from inside an ncc bundle, not only
 * from src/: the bundle is built in one place and runs in another (the Action's
 * checkout, an npm install), so nothing may be baked in at build time.
 *
 * ncc runs with --transpile-only here: the whole-program type check is `tsc`'s job
 * (scripts/test.sh) and costs minutes on a busy 2-core machine; module resolution and
 * the handling of import.meta.url, which this test is about, are the same.
 */

const REPO = resolve(import.meta.dirname, '../../..');
const ENTRY = join(import.meta.dirname, 'fixtures', 'policy-bundle-entry.ts');

let work: string;
let pkg: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'airlock-bundle-'));
  const built = join(work, 'built');
  const r = await tryRunCommand(
    join(REPO, 'node_modules/.bin/ncc'),
    ['build', ENTRY, '-o', built, '--quiet', '--target', 'es2022', '--transpile-only'],
    { cwd: REPO, timeoutMs: 240_000, env: minimalEnv() },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  // A package laid out like the Action's checkout, somewhere else entirely.
  pkg = join(work, 'elsewhere', 'airlock');
  await mkdir(join(pkg, 'dist'), { recursive: true });
  await cp(built, join(pkg, 'dist', 'cli'), { recursive: true });
  await cp(join(REPO, 'policies'), join(pkg, 'policies'), { recursive: true });
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function runBundle(env: NodeJS.ProcessEnv = {}) {
  return tryRunCommand(process.execPath, [join(pkg, 'dist', 'cli', 'index.js')], {
    cwd: work, // not the package: the lookup must not depend on the working directory
    env: minimalEnv(env),
    timeoutMs: 30_000,
  });
}

describe('policiesDir() from an ncc bundle', () => {
  it('finds policies/ beside the relocated bundle, with no build-time path baked in', async () => {
    const bundle = await readFile(join(pkg, 'dist', 'cli', 'index.js'), 'utf8');
    expect(bundle).not.toContain(join(REPO, 'policies'));
    const r = await runBundle();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      policiesDir: join(pkg, 'policies'),
      strict: join(pkg, 'policies', 'strict.yml'),
    });
  });

  it('AIRLOCK_POLICIES_DIR wins over the search', async () => {
    const alt = join(work, 'alt');
    await mkdir(alt, { recursive: true });
    await writeFile(join(alt, 'default.yml'), 'version: 1\n');
    const r = await runBundle({ AIRLOCK_POLICIES_DIR: alt });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).policiesDir).toBe(alt);
  });

  it('without shipped policies anywhere above it, the bundle says so (POLICY_NOT_FOUND)', async () => {
    await rm(join(pkg, 'policies'), { recursive: true, force: true });
    const r = await runBundle();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('AIRLOCK_POLICIES_DIR');
  });
});
