import { createHash } from 'node:crypto';
import {
  CappedBuffer,
  type CommandResult,
  capturedResult,
  describeFailure,
  lastLine,
} from '../exec/run-command.js';
import type { Artifact, ExecutionResult, ExecutionStatus } from '../report/types.js';
import { readCgroupStats } from './cgroup.js';
import { newContainerIds, removeInBackground, trackContainer, untrackContainer } from './containers.js';
import { captureFromContainer, execInContainer } from './container-exec.js';
import { type ArchiveFrame, FramedStdout } from './copy-out-frame.js';
import {
  buildDockerRunArgs,
  copyOutExec,
  type ExecConfig,
  execArgs,
  scriptExec,
  usesCopyOutLauncher,
} from './docker-args.js';
import { createContainer, docker, removeContainer } from './docker.js';
import { engineRunArgs } from './engine-select.js';
import { extractTar } from './tar-extract.js';
import type { HardenedRunSpec } from './types.js';

/**
 * One script (or scanner) in a hardened container; see docker-args.ts for the flags and
 * the lifecycle. Never throws for anything the script does: every outcome is an
 * ExecutionResult. Throws only for an invalid spec (UserError), before any container.
 */
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** docker's own failure to start the exec'd command (not the script's exit status). */
const EXEC_FAILED_RE = /^OCI runtime exec failed|^Error response from daemon/m;

function base(spec: HardenedRunSpec, name: string): ExecutionResult {
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
    runtime: spec.sandbox.runtime,
    profile: spec.profile,
    containerName: name,
  };
}

/** The result of a spec that was never started (the gate was cancelled first). */
export function notStartedResult(spec: HardenedRunSpec, reason: string): ExecutionResult {
  return { ...base(spec, ''), reason };
}

function createFailure(spec: HardenedRunSpec, r: CommandResult): string {
  if (/No such image|Unable to find image|pull access denied/i.test(r.stderr)) {
    return `image ${spec.sandbox.image} is not present in the local Docker engine: run \`airlock image build\``;
  }
  if (/unknown or invalid runtime|unknown runtime specified/i.test(r.stderr)) {
    return `the Docker engine has no runtime '${spec.sandbox.runtime}': register it (scripts/setup.sh)`;
  }
  return `docker could not create the sandbox: ${describeFailure(r)}`;
}

async function containerState(name: string): Promise<{ running: boolean; oomKilled: boolean } | null> {
  const r = await docker(['inspect', '--format', '{{.State.Running}} {{.State.OOMKilled}}', name], {
    timeoutMs: 20_000,
  }).catch(() => null);
  if (r === null || r.exitCode !== 0) return null;
  const [running, oom] = r.stdout.trim().split(' ');
  return { running: running === 'true', oomKilled: oom === 'true' };
}

async function engineAnswers(): Promise<boolean> {
  const r = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 }).catch(
    () => null,
  );
  return r !== null && r.exitCode === 0;
}

interface Classified {
  status: ExecutionStatus;
  reason?: string;
}

function classify(
  exec: CommandResult,
  oomKills: number | null,
  died: { oomKilled: boolean } | null,
): Classified {
  if (exec.timedOut)
    return { status: 'timeout', reason: 'the wall-clock timeout was reached; the container was killed' };
  if ((oomKills ?? 0) > 0 || died?.oomKilled) {
    return { status: 'oom', reason: 'the memory limit was exceeded: the kernel OOM killer ended the script' };
  }
  if (died) return { status: 'error', reason: 'the sandbox container stopped while the script ran' };
  if (exec.exitCode === 0) return { status: 'success' };
  if ((exec.exitCode === 126 || exec.exitCode === 127) && EXEC_FAILED_RE.test(exec.stderr)) {
    return { status: 'error', reason: `docker could not start the command: ${lastLine(exec.stderr)}` };
  }
  return {
    status: 'failure',
    reason: exec.signal ? `killed by ${exec.signal}` : `exit code ${exec.exitCode}`,
  };
}

const extractLimits = (spec: HardenedRunSpec) => ({
  maxFiles: spec.limits.maxArtifacts,
  maxBytes: spec.limits.outputMb * 1024 * 1024,
});

/** Largest tar the output directory can honestly make: its bytes, a header (+ pax header) per entry, the end blocks. */
function archiveCap(spec: HardenedRunSpec): number {
  const { maxFiles, maxBytes } = extractLimits(spec);
  return maxBytes + (maxFiles + 16) * 2048 + 10_240;
}

interface CollectedOutput {
  artifacts: Artifact[];
  truncated: boolean;
  refused: string[];
}

/** The artifacts out of the archive the launcher streamed after the script (runc). */
async function collectFromFrame(spec: HardenedRunSpec, frame: ArchiveFrame): Promise<CollectedOutput> {
  if (!frame.ok)
    return { artifacts: [], truncated: frame.truncated, refused: [`(copy-out): ${frame.problem}`] };
  const ex = await extractTar(frame.archive, spec.collectOutputTo!, extractLimits(spec));
  if (frame.tarExitCode !== 0 && frame.archive.length === 0) {
    ex.refused.push(`(copy-out): tar failed (exit ${frame.tarExitCode})`);
  }
  return ex;
}

/** The artifacts through a `tar` exec of their own, after the script (runsc). */
async function collectByTarExec(spec: HardenedRunSpec, name: string): Promise<CollectedOutput> {
  const tar = await captureFromContainer(name, copyOutExec(spec), archiveCap(spec), 120_000);
  const ex = await extractTar(tar.data, spec.collectOutputTo!, extractLimits(spec));
  if (tar.exitCode !== 0 && !tar.truncated && tar.data.length === 0) {
    ex.refused.push(`(copy-out): tar failed: ${lastLine(tar.stderr)}`);
  }
  return { artifacts: ex.artifacts, truncated: ex.truncated || tar.truncated, refused: ex.refused };
}

/** The result of an exec abandoned with nothing captured (gVisor's sandbox ended under it). */
function emptyExec(name: string, cfg: ExecConfig, startedAt: number): CommandResult {
  const none = new CappedBuffer(0);
  return capturedResult('docker', execArgs(name, cfg), none, none, {
    exitCode: null,
    signal: null,
    timedOut: false,
    startedAt,
  });
}

/**
 * `docker exec` of the script under the wall-clock timeout. Under gVisor an OOM ends the
 * whole sandbox and `docker exec` then hangs (runsc's WaitPID loses its peer), so for
 * runsc a concurrent `docker wait` notices the sandbox's end and stops the exec client.
 */
async function execScript(
  spec: HardenedRunSpec,
  name: string,
  cfg: ExecConfig,
  stdoutCapture: FramedStdout | undefined,
): Promise<{ exec: CommandResult; sandboxEnded: boolean }> {
  const started = performance.now();
  const execAbort = new AbortController();
  const watchAbort = new AbortController();
  let timedOut = false;
  let sandboxEnded = false;
  let removal: Promise<unknown> = Promise.resolve();
  const watcher =
    spec.sandbox.runtime === 'runsc'
      ? docker(['wait', name], { signal: watchAbort.signal }).then(
          (r) => {
            if (r.exitCode === 0 && !timedOut) {
              sandboxEnded = true;
              execAbort.abort();
            }
          },
          () => undefined,
        )
      : Promise.resolve();
  try {
    const exec = await execInContainer(name, cfg, {
      timeoutMs: spec.limits.timeoutSeconds * 1000,
      maxOutputBytes: spec.limits.maxOutputBytes,
      signal: execAbort.signal,
      stdoutCapture,
      // Killing the docker client does not stop the process inside: remove the container.
      onTimeout: () => {
        timedOut = true;
        removal = removeContainer(name);
      },
    });
    // gVisor: when the sandbox dies, `docker exec` may also return on its own (exit 128,
    // "urpc method containerManager.WaitPID failed: EOF") before `docker wait` does.
    const lost =
      spec.sandbox.runtime === 'runsc' &&
      !timedOut &&
      exec.exitCode !== 0 &&
      /urpc method|WaitPID/.test(exec.stderr);
    if (lost) await docker(['wait', name], { timeoutMs: 15_000 }).catch(() => null);
    return { exec, sandboxEnded: sandboxEnded || lost };
  } catch (e) {
    if (!sandboxEnded) throw e;
    return { exec: emptyExec(name, cfg, started), sandboxEnded };
  } finally {
    watchAbort.abort();
    // The client exits before the engine has finished removing: wait for it, so a
    // timed-out run returns only once its container is really gone.
    await Promise.all([watcher, removal]);
  }
}

/** How a sandbox's container is removed once its script is done. */
export type Removal = 'await' | 'background';

/**
 * A hardened container created (its keeper idle) and not yet used: `run()` runs the
 * spec's command in it exactly once, `discard()` removes it unused. Starting the
 * container is split from running the script so a batch can create the next script's
 * container while the current one runs (src/sandbox/run-batch.ts); every script still
 * gets a fresh container of its own.
 */
export interface Sandbox {
  readonly name: string;
  run(removal?: Removal): Promise<ExecutionResult>;
  discard(): Promise<void>;
}

/**
 * Creates the container for `spec` (`docker run -d` of the keeper). Never rejects for
 * anything the engine does: a failure to create is reported by `run()` as an `error`
 * result. Throws only for an invalid spec (UserError), before any container.
 * `idleSeconds` extends the keeper's lifetime by how long it may wait for its script.
 */
export async function startSandbox(spec: HardenedRunSpec, idleSeconds = 0): Promise<Sandbox> {
  const ids = newContainerIds(spec.label);
  // throws UserError on an invalid spec; plus what the selected engine needs (Podman: userns)
  const runArgs = engineRunArgs(buildDockerRunArgs(spec, ids, idleSeconds));
  const exec = scriptExec(spec);
  trackContainer(ids.name); // before `docker run`: an interrupt while creating is covered too
  let created: CommandResult | Error;
  try {
    created = await createContainer(runArgs, 120_000);
  } catch (e) {
    created = e as Error;
  }
  let used = false;
  const finish = async (removal: Removal) => {
    if (removal === 'background') removeInBackground(ids.name);
    else if (await removeContainer(ids.name)) untrackContainer(ids.name);
  };
  return {
    name: ids.name,
    async run(removal: Removal = 'await') {
      if (used) throw new Error(`sandbox ${ids.name} was already used`);
      used = true;
      try {
        return await runInContainer(spec, ids.name, exec, created);
      } finally {
        await finish(removal);
      }
    },
    async discard() {
      if (used) return;
      used = true;
      await finish('await');
    },
  };
}

async function runInContainer(
  spec: HardenedRunSpec,
  name: string,
  cfg: ExecConfig,
  created: CommandResult | Error,
): Promise<ExecutionResult> {
  const result = base(spec, name);
  if (created instanceof Error) {
    result.reason = `docker could not be started: ${created.message}`;
    return result;
  }
  if (created.exitCode !== 0) {
    result.reason = createFailure(spec, created);
    return result;
  }
  const containerId = created.stdout.trim();
  // Collecting output under runc: the exec's stdout carries the script's stdout, then the archive.
  const framed = usesCopyOutLauncher(spec)
    ? new FramedStdout(spec.limits.maxOutputBytes, archiveCap(spec))
    : undefined;
  const { exec, sandboxEnded } = await execScript(spec, name, cfg, framed);
  const stats = await readCgroupStats(containerId);
  // No cgroup, or gVisor said its sandbox ended: ask the engine what happened (gVisor
  // ends the whole sandbox on OOM). Skipped on the normal path to save a round trip.
  const died = !exec.timedOut && (stats.dir === null || sandboxEnded) ? await containerState(name) : null;
  const diedInfo = died && !died.running ? died : null;
  // `docker exec` exits 255 for its own errors too: when the engine itself is gone, the
  // outcome is the sandbox's `error`, not the script's `failure`.
  const c =
    exec.exitCode === 255 && !exec.timedOut && !(await engineAnswers())
      ? { status: 'error' as const, reason: 'the Docker engine stopped answering while the script ran' }
      : classify(exec, stats.oomKills, diedInfo);
  Object.assign(result, {
    status: c.status,
    reason: c.reason,
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
  if (spec.collectOutputTo && !exec.timedOut && !diedInfo) {
    const out = framed ? await collectFromFrame(spec, framed.archive()) : await collectByTarExec(spec, name);
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
export async function runHardened(spec: HardenedRunSpec): Promise<ExecutionResult> {
  return (await startSandbox(spec)).run('await');
}
