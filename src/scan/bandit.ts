import { AirlockError } from '../errors.js';
import type { ExecutionResult, Finding, ScannerStatus } from '../report/types.js';
import type { HardenedRunSpec, SandboxConfig, SandboxLimits } from '../sandbox/types.js';
import { type BanditParseResult, parseBanditJson } from './bandit-parse.js';
import { batchArgs, isSafeRelativePath } from './batches.js';
import { asDotSlashArg } from './report-paths.js';
import { addFinding, scanErrorFinding } from './scan-error.js';
import { CONTAINER_WORKDIR, describeRun, SCANNER_OUTPUT_BYTES } from './scanner-run.js';
import type { HardenedRunner, RuleMeta, ScanOutcome } from './types.js';

export interface RunBanditOptions {
  /** Host directory holding the files; mounted read-only as the container's working directory. */
  root: string;
  /** Relative to root, forward slashes. */
  files: string[];
  sandbox: SandboxConfig;
  limits: SandboxLimits;
  /** Policy `scanners.bandit.ignoreNosec` (default true): generated code can carry `# nosec` to hide itself. */
  ignoreNosec: boolean;
  timeoutSeconds: number;
}

/**
 * The Bandit command line. `--ini /dev/null`: Bandit reads a project `.bandit` file
 * found under its targets, which would let the scanned code skip tests or exclude
 * itself; an unreadable ini disables that (Bandit only warns). Files are passed
 * explicitly after `--` with `./` in front, never `-r .`, so Bandit's default
 * excludes (a substring match on `.git`, `.tox`...) cannot silently skip a file.
 */
export function banditArgv(files: readonly string[], ignoreNosec: boolean): string[] {
  return [
    'bandit',
    '-f',
    'json',
    '-q',
    '--ini',
    '/dev/null',
    ...(ignoreNosec ? ['--ignore-nosec'] : []),
    '--',
    ...files.map(asDotSlashArg),
  ];
}

/**
 * One batched Bandit run over all files inside the sandbox image, under the hardened
 * flags with no network. Resolves with status `failed` (never throws) when Bandit
 * crashes, times out or prints something that is not a report: the gate fails closed.
 */
export async function runBandit(opts: RunBanditOptions, runner: HardenedRunner): Promise<ScanOutcome> {
  const started = performance.now();
  for (const f of opts.files) {
    if (!isSafeRelativePath(f))
      throw new AirlockError(
        'PATH_INVALID',
        `not a relative path inside the scan root: ${JSON.stringify(f)}`,
      );
  }
  const findingsByPath = new Map<string, Finding[]>();
  const rules = new Map<string, RuleMeta>();
  const notes: string[] = [];
  const versionP = banditVersion(opts, runner);
  for (const batch of batchArgs(opts.files)) {
    const result = await runner(spec(opts, banditArgv(batch, opts.ignoreNosec)));
    const failure = banditFailure(result);
    if (failure) return failed(failure, started, await versionP);
    let parsed: BanditParseResult;
    try {
      parsed = parseBanditJson(result.stdout, CONTAINER_WORKDIR);
    } catch (e) {
      return failed((e as Error).message, started, await versionP);
    }
    for (const [path, list] of parsed.findingsByPath)
      for (const f of list) addFinding(findingsByPath, path, f);
    for (const r of parsed.rules) rules.set(r.id, r);
    for (const e of parsed.errors) if (e.path === undefined) notes.push(e.message);
    // A file we asked for that Bandit does not mention was not scanned: an error, not clean.
    for (const f of batch) {
      if (!parsed.reportedPaths.has(f)) {
        addFinding(findingsByPath, f, scanErrorFinding('Bandit did not report scanning this file'));
      }
    }
  }
  const status: ScannerStatus = {
    tool: 'bandit',
    status: 'ran',
    durationMs: Math.round(performance.now() - started),
  };
  const version = await versionP;
  if (version) status.version = version;
  if (notes.length) status.message = notes.join('; ');
  return { status, findingsByPath, rules: [...rules.values()] };
}

function spec(opts: RunBanditOptions, command: string[]): HardenedRunSpec {
  return {
    sandbox: opts.sandbox,
    limits: { ...opts.limits, timeoutSeconds: opts.timeoutSeconds, maxOutputBytes: SCANNER_OUTPUT_BYTES },
    profile: 'scan-bandit',
    workDir: opts.root,
    command,
    label: 'bandit',
  };
}

/** Bandit exits 0 (no issues) or 1 (issues found); both are a completed scan. */
function banditFailure(r: ExecutionResult): string | undefined {
  if (r.status === 'timeout' || r.status === 'oom' || r.status === 'error') return describeRun('Bandit', r);
  if (r.exitCode !== 0 && r.exitCode !== 1) return describeRun('Bandit', r);
  if (r.stdoutTruncated) return `Bandit's report exceeded ${SCANNER_OUTPUT_BYTES} bytes and was cut off`;
  return undefined;
}

function failed(message: string, started: number, version: string | undefined): ScanOutcome {
  const status: ScannerStatus = {
    tool: 'bandit',
    status: 'failed',
    durationMs: Math.round(performance.now() - started),
    message,
  };
  if (version) status.version = version;
  return { status, findingsByPath: new Map(), rules: [] };
}

/** `bandit --version` in the same image; the JSON report does not carry the version. */
async function banditVersion(opts: RunBanditOptions, runner: HardenedRunner): Promise<string | undefined> {
  try {
    const r = await runner({ ...spec(opts, ['bandit', '--version']), label: 'bandit-version' });
    return r.exitCode === 0 ? /^bandit (\S+)/m.exec(r.stdout)?.[1] : undefined;
  } catch {
    return undefined;
  }
}
