import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { AirlockError } from '../errors.js';
import type { ExecutionResult, Finding, ScannerStatus } from '../report/types.js';
import type { HardenedRunSpec, SandboxConfig, SandboxLimits } from '../sandbox/types.js';
import { batchArgs, isSafeRelativePath } from './batches.js';
import { addFinding, scanErrorFinding } from './scan-error.js';
import type { Scanner, ScannerSession, ScannerSettingsBase } from './scanner.js';
import { CONTAINER_WORKDIR, describeRun, SCANNER_OUTPUT_BYTES } from './scanner-run.js';
import type { HardenedRunner, RuleMeta, ScanOutcome } from './types.js';

export interface ScannerRunOptions {
  /** Host directory holding the files; mounted read-only as the container's working directory. */
  root: string;
  /** Relative to root, forward slashes. */
  files: string[];
  sandbox: SandboxConfig;
  limits: SandboxLimits;
}

export interface ScannerDetection {
  /** False only when the image lacks the executable (exit 126/127, "executable file not found"). */
  available: boolean;
  version?: string;
  /** For a person: why it is absent, or how the probe of a present scanner failed. */
  message?: string;
}

/** Exit 127/126 or the runtime's "executable file not found": the image lacks the tool. */
export function isMissingExecutable(r: ExecutionResult): boolean {
  // The engine could not start the command: typed by the sandbox (src/sandbox/run-hardened.ts).
  if (r.engineFailure === 'exec-failed') return true;
  if (r.exitCode === 127 || r.exitCode === 126) return true;
  return (
    /executable file not found|no such file or directory/i.test(`${r.reason ?? ''}\n${r.stderr}`) &&
    r.exitCode !== 0
  );
}

/**
 * Is the scanner in the image, and which version? Runs its probe (`<tool> --version`)
 * under the hardened flags, bounded by min(limits.timeoutSeconds, 60 s).
 */
export async function detectScanner(
  scanner: Scanner,
  sandbox: SandboxConfig,
  limits: SandboxLimits,
  runner: HardenedRunner,
): Promise<ScannerDetection> {
  // The runner mounts a work directory; an empty private one shows the probe nothing.
  const empty = await mkdtemp(path.join(tmpdir(), `airlock-${scanner.name}-probe-`));
  try {
    const r = await runner({
      sandbox,
      limits: { ...limits, timeoutSeconds: Math.min(limits.timeoutSeconds, 60) },
      profile: `scan-${scanner.name}`,
      workDir: empty,
      command: [...scanner.probe.argv],
      label: `${scanner.name}-version`,
    });
    if (r.exitCode === 0) {
      const version = scanner.probe.parseVersion(r.stdout);
      return version ? { available: true, version } : { available: true };
    }
    if (isMissingExecutable(r)) return { available: false, message: scanner.absentMessage };
    // Present but broken (crashed, hung, printed nonsense): not "unavailable", which an
    // optional policy would let pass. The scan runs and its own failure fails the gate.
    return { available: true, message: describeRun(`${scanner.probe.argv.join(' ')}`, r) };
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

/**
 * One batched run of a scanner over all files (one container per argv batch, see
 * batches.ts) inside the sandbox image, with no network. Resolves with status
 * `failed` (never throws) when the scanner crashes, times out or prints something that
 * is not its report, and `unavailable` when the image lacks it: the gate fails closed.
 * A file asked for that the scanner does not say it read gets a scan-error finding.
 */
export async function runScanner<S extends ScannerSettingsBase>(
  scanner: Scanner<string, z.ZodObject, S>,
  settings: S,
  opts: ScannerRunOptions,
  runner: HardenedRunner,
  detection?: Promise<ScannerDetection>,
): Promise<ScanOutcome> {
  const started = performance.now();
  for (const f of opts.files) {
    if (!isSafeRelativePath(f))
      throw new AirlockError(
        'PATH_INVALID',
        `not a relative path inside the scan root: ${JSON.stringify(f)}`,
      );
  }
  const session = scanner.open(settings);
  const findingsByPath = new Map<string, Finding[]>();
  const rules = new Map<string, RuleMeta>();
  const fired = new Set<string>();
  const notes: string[] = [];
  let reportedVersion: string | undefined;
  const end = async (status: ScannerStatus['status'], message?: string): Promise<ScanOutcome> => {
    const s: ScannerStatus = {
      tool: scanner.name as ScannerStatus['tool'],
      status,
      durationMs: Math.round(performance.now() - started),
    };
    const version = reportedVersion ?? (await detection?.catch(() => undefined))?.version;
    if (version) s.version = version;
    if (message) s.message = message;
    if (status !== 'ran') return { status: s, findingsByPath: new Map(), rules: [] };
    const described = session.rules?.(fired) ?? [];
    for (const r of described) rules.set(r.id, r);
    return { status: s, findingsByPath, rules: [...rules.values()] };
  };
  for (const batch of batchArgs(opts.files)) {
    const r = await runner(spec(scanner.name, session, settings, opts, session.argv(batch)));
    if (isMissingExecutable(r)) return end('unavailable', scanner.absentMessage);
    const failure = runFailure(scanner.title, session, r);
    if (failure) return end('failed', failure);
    let parsed: ReturnType<ScannerSession['parse']>;
    try {
      parsed = session.parse(r.stdout, CONTAINER_WORKDIR, batch);
    } catch (e) {
      return end('failed', (e as Error).message);
    }
    reportedVersion ??= parsed.version;
    // An error that names no file and is fatal (a rule that failed to load) means rules did not run.
    const fatal = parsed.globalErrors.filter((e) => e.fatal);
    if (fatal.length) return end('failed', parsed.globalErrors.map((e) => e.message).join('; '));
    notes.push(...parsed.globalErrors.map((e) => e.message));
    for (const [p, list] of parsed.findingsByPath) {
      for (const f of list) {
        addFinding(findingsByPath, p, f);
        if (f.tool === scanner.name) fired.add(f.ruleId);
      }
    }
    for (const rule of parsed.rules) rules.set(rule.id, rule);
    // A file we asked for that the scanner does not mention was not scanned: an error, not clean.
    for (const f of batch) {
      if (!parsed.covered.has(f))
        addFinding(findingsByPath, f, scanErrorFinding(`${scanner.title} did not report scanning this file`));
    }
  }
  return end('ran', notes.length ? notes.join('; ') : undefined);
}

function spec(
  name: string,
  session: ScannerSession,
  settings: ScannerSettingsBase,
  opts: ScannerRunOptions,
  command: string[],
): HardenedRunSpec {
  return {
    sandbox: opts.sandbox,
    limits: { ...opts.limits, timeoutSeconds: settings.timeoutSeconds, maxOutputBytes: SCANNER_OUTPUT_BYTES },
    profile: `scan-${name}`,
    workDir: opts.root,
    command,
    ...session.container,
    label: name,
  };
}

function runFailure(title: string, session: ScannerSession, r: ExecutionResult): string | undefined {
  if (r.status === 'timeout' || r.status === 'oom' || r.status === 'error') return describeRun(title, r);
  if (r.exitCode === null || !session.okExitCodes.includes(r.exitCode)) return describeRun(title, r);
  if (r.stdoutTruncated) return `${title}'s report exceeded ${SCANNER_OUTPUT_BYTES} bytes and was cut off`;
  return undefined;
}
