import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AirlockError } from '../errors.js';
import type { ExecutionResult, Finding, ScannerStatus } from '../report/types.js';
import type { HardenedRunSpec, SandboxConfig, SandboxLimits } from '../sandbox/types.js';
import { batchArgs, isSafeRelativePath } from './batches.js';
import { asDotSlashArg } from './report-paths.js';
import { addFinding, scanErrorFinding } from './scan-error.js';
import { CONTAINER_WORKDIR, describeRun, SCANNER_OUTPUT_BYTES } from './scanner-run.js';
import { parseSemgrepJson, type SemgrepParseResult } from './semgrep-parse.js';
import { loadSemgrepRuleMeta } from './semgrep-rules.js';
import type { HardenedRunner, ScanOutcome } from './types.js';

/** Where the rules directory is mounted (read-only) inside the scanner container. */
export const SEMGREP_RULES_MOUNT = '/airlock/semgrep-rules';

export type ScannerMode = 'required' | 'optional' | 'off';

export interface RunSemgrepOptions {
  root: string;
  files: string[];
  sandbox: SandboxConfig;
  limits: SandboxLimits;
  /** Host directory of our rules (policies/semgrep); only these rules run, never the registry's. */
  rulesDir: string;
  /** Policy `scanners.semgrep.ignoreNosec` (default true): `# nosemgrep` in generated code is not honoured. */
  ignoreNosem: boolean;
  timeoutSeconds: number;
}

/**
 * `--metrics=off --disable-version-check`: no network (there is none in the sandbox,
 * and a scanner phoning home would be a leak). `--no-git-ignore`: a PR's .gitignore
 * must not hide files. `--no-rewrite-rule-ids` keeps our ids unprefixed by the mount
 * path (normalizeSemgrepRuleId still maps prefixed ids, for older releases). `--max-target-bytes=0` lifts the 1 MB size filter that would
 * skip a padded file. `--disable-nosem`: generated code can write `# nosemgrep` to hide itself. A `.semgrepignore` in the scanned tree can still hide a file from
 * Semgrep; the coverage check against `paths.scanned` turns that into a scan error.
 */
export function semgrepArgv(files: readonly string[], ignoreNosem: boolean): string[] {
  return [
    'semgrep',
    'scan',
    '--json',
    '--config',
    SEMGREP_RULES_MOUNT,
    '--metrics=off',
    '--disable-version-check',
    '--no-git-ignore',
    '--no-rewrite-rule-ids',
    '--quiet',
    '--max-target-bytes=0',
    ...(ignoreNosem ? ['--disable-nosem'] : []),
    '--',
    ...files.map(asDotSlashArg),
  ];
}

/** Exit 127/126 or the runtime's "executable file not found": the image has no semgrep. */
export function isMissingExecutable(r: ExecutionResult): boolean {
  if (r.exitCode === 127 || r.exitCode === 126) return true;
  return (
    /executable file not found|no such file or directory/i.test(`${r.reason ?? ''}\n${r.stderr}`) &&
    r.exitCode !== 0
  );
}

const ABSENT_MESSAGE =
  'semgrep is not installed in the sandbox image; only Bandit scanned (policy scanners.semgrep decides whether that fails the gate)';

export async function runSemgrep(opts: RunSemgrepOptions, runner: HardenedRunner): Promise<ScanOutcome> {
  const started = performance.now();
  for (const f of opts.files) {
    if (!isSafeRelativePath(f))
      throw new AirlockError(
        'PATH_INVALID',
        `not a relative path inside the scan root: ${JSON.stringify(f)}`,
      );
  }
  const ruleMeta = loadSemgrepRuleMeta(opts.rulesDir);
  const knownIds = ruleMeta.map((r) => r.id);
  const findingsByPath = new Map<string, Finding[]>();
  const fired = new Set<string>();
  let version: string | undefined;
  const notes: string[] = [];
  const end = (status: ScannerStatus['status'], message?: string): ScanOutcome => {
    const s: ScannerStatus = { tool: 'semgrep', status, durationMs: Math.round(performance.now() - started) };
    if (version) s.version = version;
    if (message) s.message = message;
    const rules = status === 'ran' ? ruleMeta.filter((r) => fired.has(r.id)) : [];
    return { status: s, findingsByPath: status === 'ran' ? findingsByPath : new Map(), rules };
  };
  for (const batch of batchArgs(opts.files)) {
    const r = await runner(spec(opts, semgrepArgv(batch, opts.ignoreNosem)));
    if (isMissingExecutable(r)) return end('unavailable', ABSENT_MESSAGE);
    if (
      r.status === 'timeout' ||
      r.status === 'oom' ||
      r.status === 'error' ||
      (r.exitCode !== 0 && r.exitCode !== 1)
    ) {
      return end('failed', describeRun('Semgrep', r));
    }
    if (r.stdoutTruncated)
      return end('failed', `Semgrep's report exceeded ${SCANNER_OUTPUT_BYTES} bytes and was cut off`);
    let parsed: SemgrepParseResult;
    try {
      parsed = parseSemgrepJson(r.stdout, CONTAINER_WORKDIR, knownIds);
    } catch (e) {
      return end('failed', (e as Error).message);
    }
    version ??= parsed.version;
    // An error that names no file (a rule that failed to load) means rules did not run.
    const global = parsed.errors.filter((e) => e.path === undefined);
    if (global.some((e) => e.level === 'error'))
      return end('failed', global.map((e) => e.message).join('; '));
    notes.push(...global.map((e) => e.message));
    for (const [p, list] of parsed.findingsByPath) {
      for (const f of list) {
        addFinding(findingsByPath, p, f);
        fired.add(f.ruleId);
      }
    }
    for (const f of batch) {
      if (!parsed.scannedPaths.has(f)) {
        addFinding(findingsByPath, f, scanErrorFinding('Semgrep did not report scanning this file'));
      }
    }
  }
  return end('ran', notes.length ? notes.join('; ') : undefined);
}

function spec(opts: RunSemgrepOptions, command: string[]): HardenedRunSpec {
  return {
    sandbox: opts.sandbox,
    limits: { ...opts.limits, timeoutSeconds: opts.timeoutSeconds, maxOutputBytes: SCANNER_OUTPUT_BYTES },
    profile: 'scan-semgrep',
    workDir: opts.root,
    command,
    env: { SEMGREP_SEND_METRICS: 'off', SEMGREP_ENABLE_VERSION_CHECK: '0' },
    readOnlyMounts: [{ host: path.resolve(opts.rulesDir), container: SEMGREP_RULES_MOUNT }],
    label: 'semgrep',
  };
}

export interface SemgrepDetection {
  available: boolean;
  version?: string;
  /** Why not, for a person: absent from the image, or present but broken. */
  message?: string;
}

/** Is `semgrep` in the image? Runs `semgrep --version` under the hardened flags. */
export async function detectSemgrep(
  sandbox: SandboxConfig,
  limits: SandboxLimits,
  runner: HardenedRunner,
): Promise<SemgrepDetection> {
  // The runner mounts a work directory; an empty private one shows the probe nothing.
  const empty = await mkdtemp(path.join(tmpdir(), 'airlock-semgrep-probe-'));
  try {
    const r = await runner({
      sandbox,
      limits: { ...limits, timeoutSeconds: Math.min(limits.timeoutSeconds, 60) },
      profile: 'scan-semgrep',
      workDir: empty,
      command: ['semgrep', '--version'],
      label: 'semgrep-version',
    });
    if (r.exitCode === 0) {
      const version = /\d+\.\d+\.\d+\S*/.exec(r.stdout)?.[0];
      return version ? { available: true, version } : { available: true };
    }
    if (isMissingExecutable(r)) return { available: false, message: ABSENT_MESSAGE };
    return { available: false, message: describeRun('semgrep --version', r) };
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

/**
 * The contract between the policy's `scanners.semgrep` mode and the gate:
 * - `off`: Semgrep is not run; no notice, no gap.
 * - `optional`: absent (`unavailable`) is a visible notice (job summary, SARIF
 *   notification) but not a gap; a Semgrep that ran and `failed` IS a gap.
 * - `required`: anything but `ran` is a gap: the gate fails closed (fail-on `scanner-gap`).
 */
export function semgrepGap(
  mode: ScannerMode,
  status: ScannerStatus | undefined,
): { failsGate: boolean; notice?: string } {
  if (mode === 'off') return { failsGate: false };
  if (!status) return { failsGate: true, notice: 'Semgrep did not run' };
  if (status.status === 'ran') return { failsGate: false };
  const why = status.message ?? `Semgrep ${status.status}`;
  if (status.status === 'unavailable' && mode === 'optional') return { failsGate: false, notice: why };
  return { failsGate: true, notice: why };
}
