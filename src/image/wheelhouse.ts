import { mkdir, readdir, readFile } from 'node:fs/promises';
import { describeFailure, minimalEnv, tryRunCommand } from '../exec/run-command.js';
import { UserError } from '../errors.js';

/**
 * Fills the build context's `wheelhouse/` on the host with `pip download`, so the
 * image installs the Python packages Debian lacks (Polars) or ships too old (Bandit
 * 1.6.2; no Semgrep at all) without any index: the Dockerfile's pip runs with
 * `--no-index --require-hashes` against the same lock.
 *
 * What is downloaded is exactly `images/python/requirements.lock`: every wheel,
 * transitive dependencies included, pinned to one version and its sha256 (generated
 * by scripts/lock-image-wheels.py). An unpinned build took Semgrep 1.185.0 one day and
 * 1.187.0 three days later; with the lock a moved version or a changed file fails the
 * build, here and again inside it.
 */

/** The lock, relative to images/ (and to the build context, which copies python/). */
export const LOCK_FILE = 'python/requirements.lock';

/** The image's interpreter: Debian bookworm's CPython 3.11 (glibc 2.36). */
const TARGET_PYTHON = '3.11';
const TARGET_GLIBC_MINOR = 36;
const OLDEST_MANYLINUX_MINOR = 17;

/** Wheel platform tags the image can load, for the host's architecture (the engine's, locally). */
export function targetPlatforms(arch: string = process.arch): string[] {
  const machine = arch === 'arm64' ? 'aarch64' : 'x86_64';
  const tags = [`manylinux2014_${machine}`];
  // pip 23 does not expand a manylinux_2_36 tag to the older glibc versions it
  // implies, so every compatible one is listed.
  for (let minor = OLDEST_MANYLINUX_MINOR; minor <= TARGET_GLIBC_MINOR; minor++) {
    tags.push(`manylinux_2_${minor}_${machine}`);
  }
  return tags;
}

/**
 * argv for the download. Binary wheels only (no sdist builds: they would run
 * setup.py on the host, and need compilers the image does not have), for the
 * image's Python and platform, not the host's: a runner with Python 3.12 must still
 * fetch cp311 wheels. `--require-hashes` (implied by the lock's hashes, stated so it
 * cannot be lost) and `--no-deps`: the lock already names every wheel, and nothing
 * outside it may be fetched.
 */
export function pipDownloadArgs(lockFile: string, dest: string): string[] {
  return [
    '-m',
    'pip',
    'download',
    '--disable-pip-version-check',
    '--no-input',
    '--retries',
    '2',
    '--timeout',
    '30',
    '--require-hashes',
    '--no-deps',
    '--only-binary=:all:',
    '--python-version',
    TARGET_PYTHON,
    '--implementation',
    'cp',
    ...targetPlatforms().flatMap((p) => ['--platform', p]),
    '--dest',
    dest,
    '--requirement',
    lockFile,
  ];
}

/** pip's own configuration (index, find-links, certificates, proxies) and nothing else of ours. */
export function pipEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (
      /^(PIP_|PYENV)/.test(name) ||
      /^(https?_proxy|no_proxy|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)$/i.test(name)
    ) {
      passed[name] = value;
    }
  }
  return minimalEnv(passed);
}

export interface LockedWheel {
  /** PEP 503-normalised name. */
  name: string;
  version: string;
  sha256: string[];
}

/**
 * The pins of a lock file: `name==version` followed by `--hash=sha256:` options,
 * with backslash continuations. Anything else (a range, a URL, an option other than
 * --hash, a line without a hash) is refused: the lock is generated, and a hand edit
 * that loosens it must fail loudly rather than install something unpinned.
 */
export function parseLock(text: string, file = LOCK_FILE): LockedWheel[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
  const out: LockedWheel[] = [];
  for (const line of logical) {
    const [req, ...opts] = line.split(/\s+/);
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!_-]*)$/.exec(req ?? '');
    if (!m) throw new UserError('IMAGE_BUILD_FAILED', `${file}: not an exact pin: ${JSON.stringify(req)}`);
    const sha256: string[] = [];
    for (const o of opts) {
      const h = /^--hash=sha256:([0-9a-f]{64})$/.exec(o);
      if (!h) throw new UserError('IMAGE_BUILD_FAILED', `${file}: ${m[1]}: unexpected ${JSON.stringify(o)}`);
      sha256.push(h[1] as string);
    }
    if (!sha256.length) throw new UserError('IMAGE_BUILD_FAILED', `${file}: ${m[1]} has no --hash`);
    out.push({
      name: (m[1] as string).toLowerCase().replace(/[-_.]+/g, '-'),
      version: m[2] as string,
      sha256,
    });
  }
  return out;
}

export interface Wheelhouse {
  /** Wheel file names, sorted. */
  wheels: string[];
  /** What the lock pins: name==version, sorted. */
  pins: string[];
}

/** Downloads the lock's wheels into `dir` (created). */
export async function downloadWheelhouse(
  dir: string,
  lockFile: string,
  progress: (line: string) => void,
): Promise<Wheelhouse> {
  const pins = parseLock(await readFile(lockFile, 'utf8'), lockFile);
  await mkdir(dir, { recursive: true });
  // A lock that pins nothing (a custom images/ without PyPI packages) needs no index.
  if (pins.length === 0) return { wheels: [], pins: [] };
  const r = await tryRunCommand('python3', pipDownloadArgs(lockFile, dir), {
    env: pipEnv(),
    timeoutMs: 600_000,
  }).catch((e: unknown) => {
    throw new UserError('IMAGE_BUILD_FAILED', `python3 -m pip could not be started: ${String(e)}`);
  });
  if (r.exitCode !== 0) {
    throw new UserError(
      'IMAGE_BUILD_FAILED',
      `wheelhouse: pip download of the ${pins.length} locked wheels failed (an index is needed: PyPI, ` +
        `or PIP_INDEX_URL / PIP_FIND_LINKS for a mirror): ${describeFailure(r)}`,
    );
  }
  const wheels = (await readdir(dir)).filter((n) => n.endsWith('.whl')).sort();
  if (wheels.length !== pins.length) {
    throw new UserError(
      'IMAGE_BUILD_FAILED',
      `wheelhouse: the lock pins ${pins.length} wheels but pip fetched ${wheels.length}`,
    );
  }
  progress(`wheelhouse: ${wheels.length} wheels, hashes checked against ${LOCK_FILE}`);
  return { wheels, pins: pins.map((p) => `${p.name}==${p.version}`).sort() };
}
