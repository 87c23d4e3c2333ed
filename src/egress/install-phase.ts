import { UserError } from '../errors.js';
import type { InstalledPackage, InstallResult } from '../report/types.js';
import type { PreludeOutcome, PreludeVerdict } from '../sandbox/prelude.js';
import { EGRESS_MOUNT, EGRESS_PORT } from './egress-session.js';
import {
  canonicalRequirements,
  normalizeName,
  type PinnedRequirement,
  readRequirementsFile,
  readWorkspaceText,
} from './requirements-file.js';

/**
 * The optional install phase (docs/egress.md, "Install phase"): in the script's own
 * container, before the script, `pip install` of the profile's pinned, hashed
 * requirements from its index through the egress proxy; then the proxy refuses
 * everything and the script runs with the packages on its PYTHONPATH.
 *
 * pip's options, and why:
 * - `--require-hashes`: every download must match a hash of the checked file, and every
 *   dependency must be pinned there too (no unpinned transitive download);
 * - `--only-binary=:all:`: wheels only, so no package's build script (setup.py) runs;
 * - `--isolated`: no pip config file or PIP_* variable from the image or the workspace;
 * - `--proxy`: pip's traffic goes to the bridge explicitly (and `trust_env` is off);
 * - `--target` a tmpfs folder (noexec: pure-Python wheels import; compiled extensions
 *   cannot be mapped executable there, a limit docs/egress.md states);
 * - `--report -` (with `--quiet`): pip's JSON installation report on stdout, from which
 *   the report names what was installed, each checked against the pins.
 */

/** Where the packages go inside the container (a tmpfs), and the script's PYTHONPATH. */
export const INSTALL_TARGET = '/var/tmp/airlock-packages';
/** pip's report of a lock of a few hundred packages fits; pip's messages are capped the same. */
export const INSTALL_MAX_OUTPUT = 4 * 1024 * 1024;
const MAX_CA_BYTES = 1024 * 1024;

export interface InstallSettings {
  requirements: string;
  index: string;
  caBundle?: string;
  timeoutSeconds: number;
}

/** One profile's install phase, read and checked once per gate run. */
export interface LoadedInstall {
  settings: InstallSettings;
  requirements: PinnedRequirement[];
  /** Files for the egress session's read-only directory. */
  files: Record<string, string>;
}

/** A private index's CA for pip: PEM certificates only (nothing else pip would parse). */
async function readCaBundle(workspace: string, ref: string, naming: { label: string; field: string }) {
  const text = await readWorkspaceText(workspace, ref, naming, MAX_CA_BYTES);
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g) ?? [];
  const rest = blocks.reduce((t, b) => t.replace(b, ''), text).trim();
  if (blocks.length === 0 || rest !== '') {
    throw new UserError(
      'INSTALL_REQUIREMENTS_INVALID',
      `${naming.field} ${ref}: expected PEM certificates only (BEGIN/END CERTIFICATE blocks)`,
    );
  }
  return `${blocks.join('\n')}\n`;
}

/** Reads and checks a profile's requirements (and CA bundle) from the workspace. */
export async function loadInstall(
  workspace: string,
  settings: InstallSettings,
  naming: { policy: string; profile: string },
): Promise<LoadedInstall> {
  const field = `profiles.${naming.profile}.install`;
  const requirements = await readRequirementsFile(workspace, settings.requirements, {
    label: naming.policy,
    field: `${field}.requirements`,
  });
  const files: Record<string, string> = { 'requirements.txt': canonicalRequirements(requirements) };
  if (settings.caBundle !== undefined) {
    files['ca.pem'] = await readCaBundle(workspace, settings.caBundle, {
      label: naming.policy,
      field: `${field}.caBundle`,
    });
  }
  return { settings, requirements, files };
}

/** pip's argv inside the container (run behind the egress bridge). */
export function installCommand(install: LoadedInstall): string[] {
  return [
    'python3',
    '-I',
    '-m',
    'pip',
    'install',
    '--isolated',
    '--no-input',
    '--disable-pip-version-check',
    '--no-cache-dir',
    '--no-color',
    '--progress-bar',
    'off',
    '--quiet',
    '--require-hashes',
    '--only-binary=:all:',
    '--no-compile',
    '--target',
    INSTALL_TARGET,
    '--index-url',
    install.settings.index,
    '--proxy',
    `http://127.0.0.1:${EGRESS_PORT}`,
    ...(install.files['ca.pem'] ? ['--cert', `${EGRESS_MOUNT}/ca.pem`] : []),
    '--report',
    '-',
    '--requirement',
    `${EGRESS_MOUNT}/requirements.txt`,
  ];
}

/** pip's first ERROR line (else its last line), printable and short: for the run's reason. */
function pipMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/[^\x20-\x7e]/g, '?').trim())
    .filter(Boolean);
  const line = lines.find((l) => l.startsWith('ERROR:')) ?? lines.at(-1) ?? 'no message';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** The part of one item of pip's installation report read here (untrusted: sandbox output). */
interface PipReportItem {
  metadata?: { name?: unknown; version?: unknown };
  download_info?: { archive_info?: { hash?: unknown; hashes?: Record<string, unknown> } };
}

/**
 * What pip's report says it installed, each item checked against the pins: a name that
 * is not pinned, another version, or a hash not listed means the report (or pip) cannot
 * be trusted, and the script does not run. Returns the packages or the problem.
 */
export function installedPackages(
  reportText: string,
  pins: readonly PinnedRequirement[],
): { packages: InstalledPackage[] } | { problem: string } {
  let report: unknown;
  try {
    report = JSON.parse(reportText);
  } catch {
    return { problem: "pip's installation report is not JSON" };
  }
  const items = (report as { install?: unknown })?.install;
  if (!Array.isArray(items)) return { problem: "pip's installation report has no install list" };
  const byKey = new Map(pins.map((p) => [p.key, p]));
  const packages: InstalledPackage[] = [];
  for (const item of items as (PipReportItem | null)[]) {
    const name = String(item?.metadata?.name ?? '');
    const version = String(item?.metadata?.version ?? '');
    const archive = item?.download_info?.archive_info ?? {};
    const hashes: Record<string, string> = {};
    for (const [alg, hex] of Object.entries(archive.hashes ?? {})) hashes[alg] = String(hex);
    const single = /^(sha256|sha384|sha512)=([0-9a-f]+)$/.exec(String(archive.hash ?? ''));
    if (single) hashes[single[1] as string] ??= single[2] as string;
    const pin = byKey.get(normalizeName(name));
    const matched = pin?.hashes.find((h) => {
      const [alg = '', hex = ''] = h.split(':');
      return hashes[alg]?.toLowerCase() === hex;
    });
    if (!pin || pin.version !== version || !matched) {
      const what = /^[A-Za-z0-9._-]{1,100}$/.test(name) ? name : 'a package';
      return {
        problem: `pip reported installing ${what}, which does not match a pin of the requirements file`,
      };
    }
    packages.push({ name: pin.name, version, hash: matched });
  }
  return { packages };
}

/**
 * The install phase's result and the sandbox's verdict from the prelude's outcome: the
 * script runs only when pip succeeded and everything it installed matches the pins.
 */
export function installOutcome(
  install: LoadedInstall,
  outcome: PreludeOutcome,
): { result: InstallResult; verdict: PreludeVerdict } {
  const result: InstallResult = {
    requirements: install.settings.requirements,
    index: install.settings.index,
    status: 'error',
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    packages: [],
  };
  const stop = (status: InstallResult['status'], why: string) => {
    result.status = status;
    result.reason = why;
    return { result, verdict: { status, reason: `install phase: ${why}; the script did not run` } };
  };
  if (outcome.timedOut)
    return stop('timeout', `pip did not finish within ${install.settings.timeoutSeconds} s`);
  if (outcome.failure) return stop('error', outcome.failure);
  if (outcome.exitCode !== 0) {
    return stop(
      'failure',
      `pip exited ${outcome.exitCode ?? 'without a status'}: ${pipMessage(outcome.stderr)}`,
    );
  }
  if (outcome.stdoutTruncated)
    return stop('error', "pip's installation report was larger than the output cap");
  const installed = installedPackages(outcome.stdout, install.requirements);
  if ('problem' in installed) return stop('error', installed.problem);
  result.status = 'success';
  result.packages = installed.packages;
  return { result, verdict: null };
}
