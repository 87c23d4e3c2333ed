import type { CommandResult } from '../exec/run-command.js';
import type { ExecutionStatus } from '../report/types.js';
import type { EngineFailure } from './container-engine.js';
import type { ContainerSpec } from './container-spec.js';
import type { ExecConfig } from './exec-config.js';
import type { HardenedRunSpec } from './types.js';

/**
 * A first command in the script's own container, before the script: the egress install
 * phase (src/egress/install-phase.ts) runs `pip install` here, so the packages land in
 * the container's tmpfs where the script finds them. The sandbox knows nothing of pip:
 * it runs the prelude as the sandbox user under its own timeout and output caps, kills
 * what it left running, then asks `after` whether the script may run at all.
 */
export interface PreludeOutcome {
  exitCode: number | null;
  timedOut: boolean;
  /** The engine could not carry the exec through, or the container ended under it. */
  failure?: string;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  durationMs: number;
}

/** Why the script must not run (its run ends with this status and reason), or null to go on. */
export type PreludeVerdict = { status: ExecutionStatus; reason: string } | null;

export interface PreludeSpec {
  /** argv inside the container, as the sandbox user in the work directory. */
  command: string[];
  /** Wall-clock limit of the prelude alone; the container is removed when it is reached. */
  timeoutSeconds: number;
  /** Bytes of its stdout and of its stderr kept. */
  maxOutputBytes: number;
  /**
   * Called once the prelude ended and, under runc, everything it left running was
   * killed; the script's exec starts only after this resolves (the egress session
   * closes the install phase's proxy here).
   */
  after(outcome: PreludeOutcome): Promise<PreludeVerdict>;
}

/**
 * Runs the prelude, then `kill -9 -1` as the sandbox uid: ends whatever it left (the
 * egress bridge, a stray child), never the keeper (another uid) nor the shell itself.
 * Under gVisor that kill ended the whole sandbox (src/sandbox/exec-config.ts,
 * `copyOutExec`), so under runsc what the prelude leaves is not killed; the egress
 * session does not rely on the kill (the proxy it reached refuses everything after).
 */
const PRELUDE_LAUNCHER = ['unset PWD', '"$@"', 's=$?', 'kill -9 -1 2>/dev/null', 'exit "$s"'].join('\n');

export function preludeExec(run: HardenedRunSpec, spec: ContainerSpec, prelude: PreludeSpec): ExecConfig {
  const cmd =
    run.sandbox.runtime === 'runc'
      ? ['/bin/sh', '-c', PRELUDE_LAUNCHER, 'airlock-prelude', ...prelude.command]
      : [...prelude.command];
  return { user: spec.user, workdir: spec.workdir, cmd };
}

/** What the sandbox's exec of one command returns (src/sandbox/run-hardened.ts). */
export interface PreludeExecResult {
  exec: CommandResult;
  failure?: EngineFailure;
  sandboxEnded: boolean;
}

/**
 * Runs `run.prelude` with `execute` (the same exec the script gets, with the prelude's
 * own timeout and output caps) and returns its verdict; null when there is none.
 */
export async function runPrelude(
  run: HardenedRunSpec,
  spec: ContainerSpec,
  execute: (run: HardenedRunSpec, cfg: ExecConfig) => Promise<PreludeExecResult>,
): Promise<PreludeVerdict> {
  const prelude = run.prelude;
  if (!prelude) return null;
  const bounded: HardenedRunSpec = {
    ...run,
    limits: { ...run.limits, timeoutSeconds: prelude.timeoutSeconds, maxOutputBytes: prelude.maxOutputBytes },
  };
  const r = await execute(bounded, preludeExec(run, spec, prelude));
  const failure = r.sandboxEnded
    ? 'the sandbox ended during the prelude'
    : r.failure
      ? `${r.failure.kind}: ${r.failure.message}`
      : undefined;
  return prelude.after({
    exitCode: r.exec.exitCode,
    timedOut: r.exec.timedOut,
    ...(failure ? { failure } : {}),
    stdout: r.exec.stdout,
    stderr: r.exec.stderr,
    stdoutTruncated: r.exec.stdoutTruncated,
    durationMs: r.exec.durationMs,
  });
}
