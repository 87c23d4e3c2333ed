import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { findImagesDir, publicSourceUrl } from '../../../src/image/image-metadata.js';
import {
  downloadWheelhouse,
  parseLock,
  pipDownloadArgs,
  pipEnv,
  targetPlatforms,
} from '../../../src/image/wheelhouse.js';

describe('pipDownloadArgs', () => {
  const argv = pipDownloadArgs('/ctx/python/requirements.lock', '/tmp/wh');

  it('fetches binary wheels for the image (CPython 3.11, manylinux), not for the host', () => {
    expect(argv.slice(0, 3)).toEqual(['-m', 'pip', 'download']);
    expect(argv).toContain('--only-binary=:all:');
    expect(argv[argv.indexOf('--python-version') + 1]).toBe('3.11');
    expect(argv[argv.indexOf('--implementation') + 1]).toBe('cp');
    const platforms = argv.filter((_, i) => argv[i - 1] === '--platform');
    expect(platforms).toContain('manylinux_2_17_x86_64');
    expect(platforms).toContain('manylinux2014_x86_64');
    expect(platforms).toContain('manylinux_2_36_x86_64');
    // bookworm has glibc 2.36: a wheel needing a newer one would not load.
    expect(platforms).not.toContain('manylinux_2_37_x86_64');
    expect(argv[argv.indexOf('--dest') + 1]).toBe('/tmp/wh');
  });

  it('downloads exactly the lock, hash-checked, and nothing it does not name', () => {
    expect(argv[argv.indexOf('--requirement') + 1]).toBe('/ctx/python/requirements.lock');
    expect(argv).toContain('--require-hashes');
    expect(argv).toContain('--no-deps');
  });

  it('targets aarch64 wheels on an arm64 host', () => {
    expect(targetPlatforms('arm64').every((p) => p.endsWith('_aarch64'))).toBe(true);
  });
});

describe('the image lock (images/python/requirements.lock)', () => {
  const dir = path.join(findImagesDir(), 'python');
  const lock = parseLock(readFileSync(path.join(dir, 'requirements.lock'), 'utf8'));
  const wanted = readFileSync(path.join(dir, 'requirements.in'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);

  it('pins every top-level requirement at the version requirements.in asks for', () => {
    expect(wanted.length).toBeGreaterThanOrEqual(4);
    for (const req of wanted) {
      const [name, version] = req.split('==');
      expect(version, `${req} must be an exact pin`).toBeTruthy();
      const pin = lock.find((p) => p.name === name!.toLowerCase().replace(/[-_.]+/g, '-'));
      expect(pin?.version, name).toBe(version);
    }
  });

  it('carries Bandit 1.9.x and Semgrep 1.x, each wheel with a sha256', () => {
    expect(lock.find((p) => p.name === 'bandit')?.version).toMatch(/^1\.9\./);
    expect(lock.find((p) => p.name === 'semgrep')?.version).toMatch(/^1\./);
    expect(lock.every((p) => p.sha256.length >= 1)).toBe(true);
    expect(new Set(lock.map((p) => p.name)).size).toBe(lock.length);
  });
});

describe('downloadWheelhouse', () => {
  it('downloads nothing, and needs no pip or index, for a lock that pins nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-wh-'));
    // No python3 on PATH: starting pip would fail the call.
    vi.stubEnv('PATH', '/nonexistent');
    try {
      writeFileSync(path.join(dir, 'requirements.lock'), '# nothing from PyPI\n');
      const lines: string[] = [];
      const got = await downloadWheelhouse(
        path.join(dir, 'wheelhouse'),
        path.join(dir, 'requirements.lock'),
        (l) => lines.push(l),
      );
      expect(got).toEqual({ wheels: [], pins: [] });
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseLock', () => {
  const hash = `--hash=sha256:${'ab'.repeat(32)}`;

  it('reads pins with continuation lines and several hashes', () => {
    expect(parseLock(`# c\nFoo_Bar==1.2.3 \\\n    ${hash} \\\n    ${hash.replace('ab', 'cd')}\n`)).toEqual([
      { name: 'foo-bar', version: '1.2.3', sha256: ['ab'.repeat(32), `cd${'ab'.repeat(31)}`] },
    ]);
  });

  it.each([
    ['a range', `foo>=1.0 ${hash}`],
    ['no hash', 'foo==1.0'],
    ['a URL', `foo @ https://example.invalid/foo.whl ${hash}`],
    ['another option', `foo==1.0 --index-url=https://example.invalid ${hash}`],
    ['a short hash', 'foo==1.0 --hash=sha256:abcd'],
  ])('refuses %s', (_, text) => {
    expect(() => parseLock(text)).toThrow(expect.objectContaining({ code: 'IMAGE_BUILD_FAILED' }));
  });
});

describe('pipEnv', () => {
  it("passes pip's own configuration and proxies, not the runner's secrets", () => {
    const env = pipEnv({
      PIP_FIND_LINKS: '/opt/wheels',
      PIP_CERT: '/etc/ssl/certs/ca-certificates.crt',
      HTTPS_PROXY: 'http://proxy:3128',
      PYENV_ROOT: '/root/.pyenv',
      GITHUB_TOKEN: 'ghs_secret',
      ACTIONS_RUNTIME_TOKEN: 'secret',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(env.PIP_FIND_LINKS).toBe('/opt/wheels');
    expect(env.PIP_CERT).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(env.HTTPS_PROXY).toBe('http://proxy:3128');
    expect(env.PYENV_ROOT).toBe('/root/.pyenv');
    expect(Object.values(env)).not.toContain('ghs_secret');
    expect(env.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
  });
});

describe('publicSourceUrl', () => {
  it('drops credentials a remote URL may carry, so they never ship in a label', () => {
    expect(publicSourceUrl('https://x-access-token:ghs_SECRET@github.com/o/r.git')).toBe(
      'https://github.com/o/r',
    );
    expect(publicSourceUrl('https://user@github.com/o/r')).toBe('https://github.com/o/r');
  });

  it('turns scp-style and ssh remotes into https', () => {
    expect(publicSourceUrl('git@github.com:o/r.git')).toBe('https://github.com/o/r');
    expect(publicSourceUrl('ssh://git@github.com/o/r.git')).toBe('https://github.com/o/r');
  });

  it('gives up on what is not a URL or a local path', () => {
    expect(publicSourceUrl('/srv/git/airlock')).toBeUndefined();
    expect(publicSourceUrl('file:///srv/git/airlock')).toBeUndefined();
    expect(publicSourceUrl('not a url')).toBeUndefined();
  });
});

describe('findImagesDir', () => {
  it("finds the repository's images/ from the sources", () => {
    expect(findImagesDir()).toBe(path.resolve(import.meta.dirname, '../../../images'));
  });

  it('fails with IMAGE_BUILD_FAILED where there is none', () => {
    expect(() => findImagesDir('/')).toThrowError(expect.objectContaining({ code: 'IMAGE_BUILD_FAILED' }));
  });
});
