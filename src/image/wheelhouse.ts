import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFailure, minimalEnv, tryRunCommand } from '../exec/run-command.js';
import { UserError } from '../errors.js';

/**
 * Fills the build context's `wheelhouse/` on the host with `pip download`, so the
 * image installs Python packages that Debian lacks without any index (the
 * Dockerfile's pip runs with --no-index; containers here cannot reach PyPI).
 *
 * Groups are downloaded separately: Polars is required (the build fails without
 * it); Bandit (newer than Debian's 1.6.2) and Semgrep are taken when the host's pip
 * can get them and left out otherwise, and the image then reports what it has.
 */
export interface WheelGroup {
  /** Top-level requirements, as written to wheelhouse/requirements.txt. */
  requirements: string[];
  required: boolean;
  /** What the image does without an optional group, for the progress line. */
  whenMissing?: string;
}

export const WHEEL_GROUPS: readonly WheelGroup[] = [
  { requirements: ['polars', 'polars-runtime-32'], required: true },
  { requirements: ['bandit'], required: false, whenMissing: "the image uses Debian's bandit" },
  { requirements: ['semgrep'], required: false, whenMissing: 'the image has no semgrep' },
];

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
 * argv for one group's download. Binary wheels only (no sdist builds: they would
 * run setup.py on the host, and need compilers the image does not have), for the
 * image's Python and platform, not the host's: a runner with Python 3.12 must
 * still fetch cp311 wheels.
 */
export function pipDownloadArgs(requirements: readonly string[], dest: string): string[] {
  return [
    '-m',
    'pip',
    'download',
    '--disable-pip-version-check',
    '--no-input',
    '--retries',
    '1',
    '--timeout',
    '30',
    '--only-binary=:all:',
    '--python-version',
    TARGET_PYTHON,
    '--implementation',
    'cp',
    ...targetPlatforms().flatMap((p) => ['--platform', p]),
    '--dest',
    dest,
    '--',
    ...requirements,
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

export interface Wheelhouse {
  /** Wheel file names, sorted. */
  wheels: string[];
  /** Top-level requirements that were downloaded (what the image installs). */
  requirements: string[];
  /** Optional requirements the host could not get. */
  unavailable: string[];
}

/** Downloads every group into `dir` (created), writes `dir/requirements.txt`. */
export async function downloadWheelhouse(dir: string, progress: (line: string) => void): Promise<Wheelhouse> {
  await mkdir(dir, { recursive: true });
  const results = await Promise.all(
    WHEEL_GROUPS.map(async (group, i) => {
      const dest = path.join(dir, `.group-${i}`);
      const r = await tryRunCommand('python3', pipDownloadArgs(group.requirements, dest), {
        env: pipEnv(),
        timeoutMs: 600_000,
      }).catch((e: unknown) => {
        throw new UserError('IMAGE_BUILD_FAILED', `python3 -m pip could not be started: ${String(e)}`);
      });
      return { group, dest, ok: r.exitCode === 0, failure: r.exitCode === 0 ? '' : describeFailure(r) };
    }),
  );
  const out: Wheelhouse = { wheels: [], requirements: [], unavailable: [] };
  for (const { group, dest, ok, failure } of results) {
    if (!ok) {
      if (group.required) {
        throw new UserError(
          'IMAGE_BUILD_FAILED',
          `wheelhouse: pip download ${group.requirements.join(' ')} failed: ${failure}`,
        );
      }
      progress(`wheelhouse: pip cannot get ${group.requirements.join(' ')} here; ${group.whenMissing}`);
      out.unavailable.push(...group.requirements);
      continue;
    }
    for (const name of await readdir(dest)) {
      // Two groups can share a dependency: the same file name is the same wheel.
      await rename(path.join(dest, name), path.join(dir, name));
    }
    out.requirements.push(...group.requirements);
  }
  for (const { dest } of results) await rm(dest, { recursive: true, force: true });
  out.wheels = (await readdir(dir)).filter((n) => n.endsWith('.whl')).sort();
  await writeFile(path.join(dir, 'requirements.txt'), `${out.requirements.join('\n')}\n`);
  progress(`wheelhouse: ${out.wheels.length} wheels for ${out.requirements.join(', ')}`);
  return out;
}
