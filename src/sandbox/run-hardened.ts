import { createHash } from 'node:crypto';
import { CappedBuffer, type CommandResult, capturedResult } from '../exec/run-command.js';
import type { ExecutionResult, ExecutionStatus } from '../report/types.js';
import { readCgroupStats } from './cgroup.js';
import { type ContainerEngine, type EngineFailure, isEngineFailure } from './container-engine.js';
import { type ContainerSpec, containerSpecFor, RUN_ID_LABEL } from './container-spec.js';
import {
  liveContainers,
  newContainerIds,
  removeContainer,
  removeInBackground,
  trackContainer,
  untrackContainer,
} from './containers.js';
import { archiveCap, collectByTarExec, collectFromFrame } from './copy-out.js';
import { FramedStdout } from './copy-out-frame.js';
import { defaultEngine } from './docker-engine.js';
import { withEngineLeftovers } from './engine-leftovers.js';
import { type ExecConfig, scriptExec, usesCopyOutLauncher } from './exec-config.js';
import { engineSpec } from './engine-select.js';
import { runPrelude } from './prelude.js';
import type { HardenedRunSpec } from './types.js';

/**
 * One script (or scanner) in a hardened container (src/sandbox/container-spec.ts for
 * the container, exec-config.ts for what runs in it). Never throws for anything the
 * script or the engine does: every outcome is an ExecutionResult, classified from typed
 * engine outcomes (EngineFailure.kind), never from text a script could print. Throws
 * only for an invalid run (UserError), before any container exists.
 */
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function base(run: HardenedRunSpec, name: string): ExecutionResult {
  return {
    status: 'error',
    exitCode: null,
    durationMs: 0,
    peakMemoryBytes: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutSha256: sha256(''),
    stderrSha256: sha256(''),
    artifacts: [],
    artifactsTruncated: false,
    runtime: run.sandbox.runtime,
    profile: run.profile,
    containerName: name,
  };
}

/** The result of a run that was never started (the gate was cancelled first). */
export function notStartedResult(run: HardenedRunSpec, reason: string): ExecutionResult {
  return { ...base(run, ''), reason };
}

function createFailure(run: HardenedRunSpec, e: unknown): string {
  if (isEngineFailure(e, 'image-missing')) {
    return `image ${run.sandbox.image} is not present in the local Docker engine: run \`airlock image build\``;
  }
  if (isEngineFailure(e, 'runtime-missing')) {
    return `the Docker engine has no runtime '${run.sandbox.runtime}': register it (scripts/setup.sh)`;
  }
  return `the container engine could not create the sandbox: ${e instanceof Error ? e.message : String(e)}`;
}

/** Why an exec the engine could not carry through is the sandbox's `error`, by kind. */
const EXEC_FAILURE_REASON: Record<EngineFailure['kind'], string> = {
  'engine-gone': 'the Docker engine stopped answering while the script ran',
  'exec-failed': 'the engine could not start the command',
  'container-missing': 'the sandbox container went away while the script ran',
  'image-missing': 'the image went away while the script ran',
  'runtime-missing': 'the runtime went away while the script ran',
  refused: 'the engine refused the exec',
};

interface ScriptRun {
  exec: CommandResult;
  /** The engine could not carry the exec through (the script's status is unknown). */
  failure?: EngineFailure;
  /** gVisor ended the whole sandbox under the exec (e.g. on OOM). */
  sandboxEnded: boolean;
}

function classify(
  r: ScriptRun,
  oomKills: number | null,
  died: { oomKilled: boolean } | null,
): { status: ExecutionStatus; reason?: string } {
  if (r.exec.timedOut)
    return { status: 'timeout', reason: 'the wall-clock timeout was reached; the container was killed' };
  if ((oomKills ?? 0) > 0 || died?.oomKilled) {
    return { status: 'oom', reason: 'the memory limit was exceeded: the kernel OOM killer ended the script' };
  }
  if (died) return { status: 'error', reason: 'the sandbox container stopped while the script ran' };
  if (r.failure)
    return { status: 'error', reason: `${EXEC_FAILURE_REASON[r.failure.kind]}: ${r.failure.message}` };
  if (r.exec.exitCode === 0) return { status: 'success' };
  return {
    status: 'failure',
    reason: r.exec.exitCode === null ? 'no exit status' : `exit code ${r.exec.exitCode}`,
  };
}

/**
 * The script's exec under the wall-clock timeout (on timeout the container is removed:
 * stopping our reading does not stop the process inside). Under gVisor an OOM ends the
 * whole sandbox and the exec may hang (runsc's WaitPID loses its peer), so for runsc a
 * concurrent wait notices the sandbox's end and stops the exec.
 */
async function execScript(
  run: HardenedRunSpec,
  name: string,
  engine: ContainerEngine,
  cfg: ExecConfig,
  framed: FramedStdout | undefined,
): Promise<ScriptRun> {
  const startedAt = performance.now();
  const out = framed ?? new CappedBuffer(run.limits.maxOutputBytes);
  const err = new CappedBuffer(run.limits.maxOutputBytes);
  const stop = new AbortController();
  let timedOut = false;
  let sandboxEnded = false;
  let removal: Promise<unknown> = Promise.resolve();
  const timer = setTimeout(() => {
    timedOut = true;
    removal = removeContainer(engine, name);
    stop.abort();
  }, run.limits.timeoutSeconds * 1000);
  const gvisor = run.sandbox.runtime === 'runsc';
  let execDone = false;
  // gVisor: poll the container's state while the exec runs. Not the engine's wait call:
  // a wait request left open delayed the copy-out exec's end under runsc by minutes, and
  // one abandoned mid-way ended the sandbox (both seen with Engine 20.10).
  const stopped = async () => {
    const state = await engine.inspect(name).catch(() => null);
    if (!state || state.running || timedOut) return false;
    sandboxEnded = true;
    stop.abort();
    return true;
  };
  const watch = gvisor ? setInterval(() => void (execDone || stopped()), 500) : undefined;
  let exitCode: number | null = null;
  let failure: EngineFailure | undefined;
  try {
    const sinks = { stdout: (c: Buffer) => out.push(c), stderr: (c: Buffer) => err.push(c) };
    exitCode = (await engine.exec(name, cfg, sinks, { signal: stop.signal })).exitCode;
    // gVisor: a lost exec may also return on its own, failing, a moment before the
    // sandbox's end is seen: give the wait a short while to see it.
    for (let i = 0; gvisor && exitCode !== 0 && !timedOut && i < 6; i++) {
      if (await stopped()) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (e) {
    if (isEngineFailure(e)) failure = e;
    else if (!(stop.signal.aborted && (timedOut || sandboxEnded))) throw e;
  } finally {
    execDone = true;
    clearTimeout(timer);
    clearInterval(watch);
    // A timed-out run returns only once its container is really gone.
    await removal;
  }
  const exec = capturedResult('engine-exec', cfg.cmd, out, err, {
    exitCode: timedOut || sandboxEnded ? null : exitCode,
    signal: null,
    timedOut,
    startedAt,
  });
  return { exec, failure: timedOut || sandboxEnded ? undefined : failure, sandboxEnded };
}

/** How a sandbox's container is removed once its script is done. */
export type Removal = 'await' | 'background';

/**
 * A hardened container created (its keeper idle) and not yet used: `run()` runs the
 * command in it exactly once, `discard()` removes it unused. Creating is split from
 * running so a batch can create the next script's container while the current one runs
 * (src/sandbox/run-batch.ts); every script still gets a fresh container of its own.
 */
export interface Sandbox {
  readonly name: string;
  run(removal?: Removal): Promise<ExecutionResult>;
  discard(): Promise<void>;
}

/**
 * Creates and starts the container for `run`. Never rejects for anything the engine
 * does: a failure to create is reported by `run()` as an `error` result. Throws only for
 * an invalid run (UserError), before any container. `idleSeconds` extends the keeper's
 * lifetime by how long it may wait for its script.
 */
export async function startSandbox(
  run: HardenedRunSpec,
  idleSeconds = 0,
  engine: ContainerEngine = defaultEngine(),
): Promise<Sandbox> {
  // throws UserError when invalid; plus what the selected engine needs (Podman: userns, nproc, seccomp file)
  const spec = engineSpec(containerSpecFor(run, newContainerIds(run.label), idleSeconds));
  const exec = scriptExec(run, spec);
  trackContainer(spec.name, engine); // before create: an interrupt while creating is covered too
  let created: { id: string } | { error: unknown };
  try {
    const id = await engine.create(spec);
    await engine.start(id);
    created = { id };
  } catch (error) {
    created = { error };
  }
  let used = false;
  const finish = async (removal: Removal) => {
    if (removal === 'background') removeInBackground(spec.name);
    else if (await removeContainer(engine, spec.name)) untrackContainer(spec.name);
  };
  return {
    name: spec.name,
    async run(removal: Removal = 'await') {
      if (used) throw new Error(`sandbox ${spec.name} was already used`);
      used = true;
      let result: ExecutionResult;
      try {
        result =
          'error' in created
            ? { ...base(run, spec.name), reason: createFailure(run, created.error) }
            : await runInContainer(run, spec, engine, exec, created.id);
      } catch (e) {
        await finish(removal);
        throw e;
      }
      const engineDied =
        result.engineFailure === 'engine-gone' ||
        ('error' in created && isEngineFailure(created.error, 'engine-gone'));
      if (!engineDied) {
        await finish(removal);
        return result;
      }
      // The engine died under this run: one removal attempt (it ends at the first
      // engine-gone answer), then name what is left on the host, read without the engine.
      await finish('await');
      const left = liveContainers().includes(spec.name);
      const id = 'id' in created ? created.id : null;
      return withEngineLeftovers(
        result,
        left ? { name: spec.name, id } : null,
        spec.labels[RUN_ID_LABEL] ?? '',
      );
    },
    async discard() {
      if (used) return;
      used = true;
      await finish('await');
    },
  };
}

async function runInContainer(
  run: HardenedRunSpec,
  spec: ContainerSpec,
  engine: ContainerEngine,
  cfg: ExecConfig,
  containerId: string,
): Promise<ExecutionResult> {
  const result = base(run, spec.name);
  // A prelude (the egress install phase) that says stop: the script never runs.
  const stop = await runPrelude(run, spec, (r, c) => execScript(r, spec.name, engine, c, undefined));
  if (stop) return { ...result, ...stop };
  // Collecting output under runc: the exec's stdout carries the script's stdout, then the archive.
  const framed = usesCopyOutLauncher(run)
    ? new FramedStdout(run.limits.maxOutputBytes, archiveCap(run))
    : undefined;
  const r = await execScript(run, spec.name, engine, cfg, framed);
  const { exec } = r;
  const stats = await readCgroupStats(containerId);
  // No cgroup, or gVisor said its sandbox ended: ask the engine what happened (gVisor
  // ends the whole sandbox on OOM). Skipped on the normal path to save a round trip.
  const askEngine = !exec.timedOut && (stats.dir === null || r.sandboxEnded);
  const state = askEngine ? await engine.inspect(spec.name).catch(() => null) : null;
  const died = state && !state.running ? state : null;
  const c = classify(r, stats.oomKills, died);
  Object.assign(result, {
    status: c.status,
    reason: c.reason,
    // Typed, for callers that must tell "the command does not exist in the image" (a
    // scanner the image lacks) from a run that failed: never read from any output text.
    ...(r.failure ? { engineFailure: r.failure.kind } : {}),
    exitCode: exec.exitCode,
    durationMs: exec.durationMs,
    peakMemoryBytes: stats.peakMemoryBytes,
    stdout: exec.stdout,
    stderr: exec.stderr,
    stdoutTruncated: exec.stdoutTruncated,
    stderrTruncated: exec.stderrTruncated,
    stdoutBytes: exec.stdoutBytes,
    stderrBytes: exec.stderrBytes,
    stdoutSha256: sha256(exec.stdout),
    stderrSha256: sha256(exec.stderr),
  });
  if (c.reason === undefined) delete result.reason;
  if (run.collectOutputTo && !exec.timedOut && !died && !r.failure) {
    const out = framed
      ? await collectFromFrame(run, framed.archive())
      : await collectByTarExec(run, spec, engine);
    result.artifacts = out.artifacts;
    result.artifactsTruncated = out.truncated;
    if (out.refused.length > 0) {
      const note = `output entries refused: ${out.refused.slice(0, 10).join('; ')}`;
      result.reason = result.reason ? `${result.reason}; ${note}` : note;
    }
  }
  return result;
}

/** One script (or scanner) in a fresh hardened container, removed before this returns. */
export async function runHardened(
  run: HardenedRunSpec,
  engine: ContainerEngine = defaultEngine(),
): Promise<ExecutionResult> {
  return (await startSandbox(run, 0, engine)).run('await');
}
