import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-capture.js';
import { minimalEnv, tryRunCommand } from '../../../src/exec/run-command.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The shipped policy names (`default`, `strict`) work where they are documented
 * (`gate --help`, action.yml's `policy` input) from a directory that is NOT this
 * repository: a user's project has no `policies/` folder, so a name must mean the file
 * beside the Airlock that runs. Run as the user meets it: the built `dist/cli.js` and
 * `dist/index.js` (built by `node scripts/build-dist.mjs`; CI checks they are fresh),
 * and the CLI's `main()` from the sources.
 *
 * The `dist/cli.js` runs use the policies' own image (`airlock-sandbox:local`, both
 * scanners) as a user would; the `main()` runs use the small test image.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const CLI = join(REPO, 'dist/cli.js');
const ACTION = join(REPO, 'dist/index.js');
const SHIPPED = realpathSync(join(REPO, 'policies'));

let ws: string;
let testImage: string;

beforeAll(async () => {
  testImage = await ensureTestImage();
  // Under the system temp dir, far from the repository: nothing above it has a policies/.
  ws = mkdtempSync(join(tmpdir(), 'airlock-user-project-'));
  chmodSync(ws, 0o755);
  mkdirSync(join(ws, 'analysis'), { mode: 0o755 });
  writeFileSync(join(ws, 'analysis', 'ok.py'), 'values = [3, 1, 4]\nprint(sum(values))\n');
});

afterAll(() => {
  rmSync(ws, { recursive: true, force: true });
});

const report = (file: string) => JSON.parse(readFileSync(join(ws, file), 'utf8'));

/** The built CLI, started the way a user starts it, from the user's project. */
function builtCli(...argv: string[]) {
  return tryRunCommand(process.execPath, [CLI, ...argv], {
    cwd: ws,
    env: minimalEnv(),
    timeoutMs: 240_000,
  });
}

async function sourceCli(...argv: string[]) {
  return runCli(argv, ws);
}

describe('shipped policy names, from a directory outside the repository', () => {
  it('there is no policies/ folder in or above the user project', () => {
    for (let dir = ws; dir !== '/'; dir = resolve(dir, '..')) {
      expect(() => readFileSync(join(dir, 'policies', 'default.yml'))).toThrow();
    }
  });

  it('dist/cli.js gate --policy strict: the shipped strict policy decides and the script runs', async () => {
    const r = await builtCli('gate', '--policy', 'strict', '--report', 'strict.json', 'analysis');
    expect(r.exitCode, r.stderr).toBe(0);
    const rep = report('strict.json');
    expect(rep.policy).toMatchObject({ name: 'strict', path: 'airlock:policies/strict.yml' });
    // strict requires Semgrep (default does not): it ran.
    expect(rep.scanners.map((s: { tool: string; status: string }) => [s.tool, s.status]).sort()).toEqual([
      ['bandit', 'ran'],
      ['semgrep', 'ran'],
    ]);
    expect(rep.scripts[0]).toMatchObject({ path: 'analysis/ok.py', level: 'low', decision: 'executed' });
    expect(rep.scripts[0].execution).toMatchObject({ status: 'success', stdout: '8\n' });
  });

  it('dist/cli.js scan --policy default: the shipped default policy', async () => {
    const r = await builtCli('scan', '--policy', 'default', '--report', 'default.json', 'analysis');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(report('default.json').policy).toMatchObject({
      name: 'default',
      path: 'airlock:policies/default.yml',
    });
  });

  it('dist/cli.js with a missing policy file: POLICY_NOT_FOUND naming the path, exit 2', async () => {
    const r = await builtCli('scan', '--policy', 'policies/default.yml', 'analysis');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`POLICY_NOT_FOUND: policy file ${join(ws, 'policies/default.yml')} not found`);
  });

  it('main(): scan --policy strict and --policy default load the shipped files', async () => {
    // The test image has no Semgrep, which both shipped policies require: each says scanner-gap,
    // which shows the shipped file (not some other policy) decided.
    const strict = await sourceCli('scan', '--policy', 'strict', '--image', testImage, '--report', 's.json');
    expect(strict.code, strict.stderr).toBe(1);
    expect(report('s.json').policy.name).toBe('strict');
    expect(report('s.json').verdictReasons.join('\n')).toMatch(/semgrep/i);
    const dflt = await sourceCli('scan', '--policy', 'default', '--image', testImage, '--report', 'd.json');
    expect(dflt.code, dflt.stderr).toBe(1);
    expect(report('d.json').policy.name).toBe('default');
    expect(report('d.json').verdictReasons.join('\n')).toMatch(/semgrep/i);
  });

  it('main(): run --policy strict takes the shipped strict policy', async () => {
    const r = await sourceCli(
      'run',
      'analysis/ok.py',
      '--policy',
      'strict',
      '--image',
      testImage,
      '--out',
      'run-out',
      '--report',
      'run.json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(report('run.json').policy).toMatchObject({ name: 'strict', path: join(SHIPPED, 'strict.yml') });
  });

  it('main(): a user policy with extends: strict resolves to the shipped file, relative paths to the project', async () => {
    writeFileSync(join(ws, 'mine.yml'), 'version: 1\nname: mine\nextends: strict\n');
    const r = await sourceCli('scan', '--policy', 'mine.yml', '--image', testImage, '--report', 'm.json');
    // strict's Semgrep requirement came through the extends: a scanner gap with the test image.
    expect(r.code, r.stderr).toBe(1);
    expect(report('m.json').policy).toMatchObject({ name: 'mine', path: 'mine.yml' });
    expect(report('m.json').verdictReasons.join('\n')).toMatch(/semgrep/i);
  });

  it('main(): ./strict is a path, not the shipped name; a missing one is POLICY_NOT_FOUND with the path', async () => {
    const r = await sourceCli('scan', '--policy', './strict', '--image', testImage);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`POLICY_NOT_FOUND: policy file ${join(ws, 'strict')} not found`);
  });

  it('dist/index.js (the Action) with input policy: strict', async () => {
    const run = mkdtempSync(join(tmpdir(), 'airlock-action-run-'));
    try {
      const output = join(run, 'output');
      const summary = join(run, 'summary');
      const event = join(run, 'event.json');
      writeFileSync(output, '');
      writeFileSync(summary, '');
      writeFileSync(event, JSON.stringify({ repository: { full_name: 'octo-org/octo-repo' } }));
      const inputs = {
        paths: 'analysis',
        mode: 'scan',
        policy: 'strict',
        image: testImage,
        'upload-sarif': 'false',
        'audit-branch': '',
        token: 'unused',
      };
      const r = await tryRunCommand(process.execPath, [ACTION], {
        cwd: ws,
        timeoutMs: 240_000,
        env: minimalEnv({
          GITHUB_ACTIONS: 'true',
          GITHUB_EVENT_NAME: 'workflow_dispatch',
          GITHUB_EVENT_PATH: event,
          GITHUB_REPOSITORY: 'octo-org/octo-repo',
          GITHUB_SHA: '0'.repeat(40),
          GITHUB_REF: 'refs/heads/main',
          GITHUB_WORKSPACE: ws,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
          RUNNER_TEMP: run,
          ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
        }),
      });
      const out = r.stdout + r.stderr;
      expect(out).not.toContain('POLICY_NOT_FOUND');
      const rep = report('.airlock/out/report.json');
      expect(rep.policy).toMatchObject({ name: 'strict', path: 'airlock:policies/strict.yml' });
      // The test image has no Semgrep, which strict requires: the gate says no (exit 1), not exit 2.
      expect(r.exitCode, out).toBe(1);
      expect(readFileSync(output, 'utf8')).toMatch(/verdict<<\S+\nfail\n/);
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });
});
