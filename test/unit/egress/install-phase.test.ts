import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installCommand,
  installedPackages,
  installOutcome,
  loadInstall,
} from '../../../src/egress/install-phase.js';
import { installFor } from '../../../src/egress/policy-egress.js';
import {
  canonicalRequirements,
  MAX_REQUIREMENTS_BYTES,
  parseRequirements,
} from '../../../src/egress/requirements-file.js';
import { UserError } from '../../../src/errors.js';
import { loadPolicy, profileFor } from '../../../src/policy/index.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof UserError ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

describe('requirements file (hostile: from the checkout)', () => {
  it('accepts pip-compile --generate-hashes output: pins, continuations, comments, several hashes', () => {
    const reqs = parseRequirements(
      `# generated\nAirlock_Demo[fast]==1.0.post1 \\\n    --hash=sha256:${H1} \\\n    --hash=sha256:${H2.toUpperCase()}\n\nsix==1.16.0 --hash=sha256:${H2}  # inline comment\n`,
      'req.txt',
    );
    expect(reqs).toEqual([
      {
        name: 'Airlock_Demo',
        key: 'airlock-demo',
        extras: ['fast'],
        version: '1.0.post1',
        hashes: [`sha256:${H1}`, `sha256:${H2}`],
        line: 2,
      },
      { name: 'six', key: 'six', extras: [], version: '1.16.0', hashes: [`sha256:${H2}`], line: 6 },
    ]);
    // pip reads only this canonical form, never the workspace file.
    expect(canonicalRequirements(reqs)).toBe(
      `Airlock_Demo[fast]==1.0.post1 --hash=sha256:${H1} --hash=sha256:${H2}\nsix==1.16.0 --hash=sha256:${H2}\n`,
    );
  });

  it.each([
    [
      'a line without a hash',
      'six==1.16.0\n',
      'line 1: expected "name==version --hash=sha256:',
      'no --hash given',
    ],
    ['an unpinned requirement', `six>=1.0 --hash=sha256:${H1}\n`, 'line 1:', 'not an exact pin'],
    ['a wildcard version', `six==1.* --hash=sha256:${H1}\n`, 'line 1:', 'not an exact version'],
    [
      'an index option',
      `--index-url https://evil.example/simple\nsix==1 --hash=sha256:${H1}\n`,
      'line 1:',
      'options are not accepted',
    ],
    ['an include', `-r other.txt\n`, 'line 1:', 'options are not accepted'],
    ['an editable path', `-e .\n`, 'line 1:', 'options are not accepted'],
    [
      'a URL requirement',
      `pkg @ https://evil.example/pkg.whl --hash=sha256:${H1}\n`,
      'line 1:',
      'markers, URLs and paths',
    ],
    [
      'an environment marker',
      `six==1.16.0; python_version<"3" --hash=sha256:${H1}\n`,
      'line 1:',
      'markers, URLs and paths',
    ],
    ['a short hash', `six==1.16.0 --hash=sha256:abc\n`, 'line 1:', 'only --hash=<algorithm>:<hex digest>'],
    ['an md5 hash', `six==1.16.0 --hash=md5:${'a'.repeat(32)}\n`, 'line 1:', 'only --hash='],
    [
      'another option after the pin',
      `six==1.16.0 --hash=sha256:${H1} --trusted-host x\n`,
      'line 1:',
      'only --hash=',
    ],
    [
      'a package pinned twice',
      `six==1 --hash=sha256:${H1}\nSix==2 --hash=sha256:${H2}\n`,
      'line 2:',
      'pinned twice (first on line 1)',
    ],
    ['an empty file', '# nothing\n', 'no requirements', 'one per line'],
  ])('refuses %s with the file, the line and what was expected', (_what, text, where, why) => {
    const message = code(() => parseRequirements(text, 'analysis/requirements.txt'));
    expect(message).toContain('INSTALL_REQUIREMENTS_INVALID: requirements file analysis/requirements.txt');
    expect(message).toContain(where);
    expect(message).toContain(why);
  });
});

describe('install phase: policy, workspace file, pip outcome', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await mkdtemp(join(tmpdir(), 'airlock-install-unit-'));
    await mkdir(join(ws, 'analysis'));
    await writeFile(join(ws, 'analysis', 'requirements.txt'), `six==1.16.0 --hash=sha256:${H1}\n`);
    await writeFile(join(ws, 'analysis', 'huge.txt'), 'x'.repeat(MAX_REQUIREMENTS_BYTES + 1));
    await symlink('/etc/passwd', join(ws, 'analysis', 'link.txt'));
  });
  afterAll(async () => {
    await rm(ws, { recursive: true, force: true });
  });

  async function policyWith(install: string, execute = '') {
    const file = join(ws, `p${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(
      file,
      `version: 1\nprofiles:\n  fetch:\n    egress:\n      allow: [pypi.org, files.pythonhosted.org]\n    install:\n${install}${execute || 'execute:\n  low: { profile: fetch }\n'}`,
    );
    return loadPolicy(file, { root: ws });
  }

  it('a low script of a profile with install gets it; limits stay limits', async () => {
    const policy = await policyWith('      requirements: analysis/requirements.txt\n');
    expect(installFor(policy, 'low')).toEqual({
      requirements: 'analysis/requirements.txt',
      index: 'https://pypi.org/simple/',
      timeoutSeconds: 300,
    });
    expect(installFor(policy, 'high')).toBeNull();
    expect(profileFor(policy, 'low')?.limits).not.toHaveProperty('install');
  });

  it.each([
    [
      'an index whose host is not on the egress list',
      '      requirements: r.txt\n      index: https://evil.example/simple/\n',
      "install.index: expected the index's host evil.example:443",
    ],
    [
      'a plain-http index',
      '      requirements: r.txt\n      index: http://pypi.org/simple/\n',
      'expected an https:// index URL',
    ],
    [
      'an index with credentials',
      '      requirements: r.txt\n      index: https://u:p@pypi.org/simple/\n',
      'expected an https:// index URL',
    ],
    [
      'an IP-literal index',
      '      requirements: r.txt\n      index: https://1.2.3.4/simple/\n',
      'expected an https:// index URL',
    ],
    [
      'a requirements path out of the workspace',
      '      requirements: ../r.txt\n',
      'workspace-relative file path',
    ],
    ['an absolute requirements path', '      requirements: /etc/passwd\n', 'workspace-relative file path'],
  ])('refuses %s at load', async (_what, install, why) => {
    const e = await policyWith(install).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(why);
  });

  it('refuses a level that would get an install phase but no egress', async () => {
    const e = await policyWith(
      '      requirements: analysis/requirements.txt\n',
      'execute:\n  low: { profile: fetch }\n  high: { profile: fetch }\n',
    ).catch((x) => x);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(
      'execute.high.egress: profile fetch has an install phase, which needs egress',
    );
  });

  it('reads the requirements inside the workspace only: a link out, a missing file, a huge file are refused', async () => {
    const settings = {
      requirements: 'analysis/requirements.txt',
      index: 'https://pypi.org/simple/',
      timeoutSeconds: 300,
    };
    const ok = await loadInstall(ws, settings, { policy: 'p.yml', profile: 'fetch' });
    expect(ok.files['requirements.txt']).toBe(`six==1.16.0 --hash=sha256:${H1}\n`);
    const naming = { policy: 'p.yml', profile: 'fetch' };
    const link = await loadInstall(ws, { ...settings, requirements: 'analysis/link.txt' }, naming).catch(
      (x) => x,
    );
    expect(link.code).toBe('POLICY_INVALID');
    expect(link.message).toContain('profiles.fetch.install.requirements');
    const missing = await loadInstall(ws, { ...settings, requirements: 'analysis/none.txt' }, naming).catch(
      (x) => x,
    );
    expect(missing.code).toBe('POLICY_NOT_FOUND');
    const huge = await loadInstall(ws, { ...settings, requirements: 'analysis/huge.txt' }, naming).catch(
      (x) => x,
    );
    expect(huge.code).toBe('INSTALL_REQUIREMENTS_INVALID');
    expect(huge.message).toContain(`larger than ${MAX_REQUIREMENTS_BYTES} bytes`);
  });

  const install = {
    settings: { requirements: 'r.txt', index: 'https://pypi.org/simple/', timeoutSeconds: 60 },
    requirements: parseRequirements(`six==1.16.0 --hash=sha256:${H1} --hash=sha256:${H2}\n`, 'r.txt'),
    files: { 'requirements.txt': '' },
  };
  const report = (name: string, version: string, hash: string) =>
    JSON.stringify({
      install: [{ metadata: { name, version }, download_info: { archive_info: { hash: `sha256=${hash}` } } }],
    });

  it('pip runs hash-checked, wheels only, isolated, through the bridge, into the tmpfs target', () => {
    const argv = installCommand(install);
    for (const flag of ['--require-hashes', '--only-binary=:all:', '--isolated', '--no-input']) {
      expect(argv).toContain(flag);
    }
    expect(argv.slice(argv.indexOf('--proxy'), argv.indexOf('--proxy') + 2)).toEqual([
      '--proxy',
      'http://127.0.0.1:3128',
    ]);
    expect(argv.at(-1)).toBe('/airlock-egress/requirements.txt');
    expect(argv).not.toContain('--cert');
  });

  it('names what pip installed, with the pinned hash the file matched', () => {
    expect(installedPackages(report('Six', '1.16.0', H2), install.requirements)).toEqual({
      packages: [{ name: 'six', version: '1.16.0', hash: `sha256:${H2}` }],
    });
  });

  it.each([
    ['a package not pinned', report('requests', '2.0', H1)],
    ['another version', report('six', '1.17.0', H1)],
    ['a hash not listed', report('six', '1.16.0', 'c'.repeat(64))],
  ])("refuses pip's report when it names %s: the script does not run", (_what, text) => {
    expect(installedPackages(text, install.requirements)).toHaveProperty('problem');
    const o = installOutcome(install, {
      exitCode: 0,
      timedOut: false,
      stdout: text,
      stderr: '',
      stdoutTruncated: false,
      durationMs: 5,
    });
    expect(o.result.status).toBe('error');
    expect(o.verdict?.reason).toContain('the script did not run');
  });

  it("a failed pip stops the script with pip's first error line; success lets it run", () => {
    const failed = installOutcome(install, {
      exitCode: 1,
      timedOut: false,
      stdout: '',
      stderr:
        'Collecting six\nERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.\n    six==1.16.0\n',
      stdoutTruncated: false,
      durationMs: 5,
    });
    expect(failed.result).toMatchObject({ status: 'failure', exitCode: 1, packages: [] });
    expect(failed.verdict).toEqual({
      status: 'failure',
      reason:
        'install phase: pip exited 1: ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.; the script did not run',
    });
    const timedOut = installOutcome(install, { ...failedOutcome(), timedOut: true, exitCode: null });
    expect(timedOut.verdict?.status).toBe('timeout');
    const ok = installOutcome(install, {
      ...failedOutcome(),
      exitCode: 0,
      stdout: report('six', '1.16.0', H1),
    });
    expect(ok.verdict).toBeNull();
    expect(ok.result.status).toBe('success');
  });
});

function failedOutcome() {
  return { exitCode: 1, timedOut: false, stdout: '', stderr: '', stdoutTruncated: false, durationMs: 1 };
}
