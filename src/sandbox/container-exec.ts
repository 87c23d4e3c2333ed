import {
  CappedBuffer,
  type CommandResult,
  capturedResult,
  DEFAULT_MAX_OUTPUT,
  type OutputCapture,
} from '../exec/run-command.js';
import { type ExecConfig, execArgs } from './docker-args.js';
import { type BinaryCapture, captureBinary, docker } from './docker.js';
import { EngineError, localEngine } from './engine-api.js';

/**
 * A command in a running container, through the engine's socket where the CLI would
 * use it too (src/sandbox/engine-api.ts), else through `docker exec`. Both give the
 * same result: the CLI's exit codes and messages are reproduced for the engine's
 * refusals, so a caller classifies either the same way.
 */

export interface ContainerExecOptions {
  /** Milliseconds until the exec is abandoned and `timedOut` is set. 0 = none. */
  timeoutMs?: number;
  /** Cap on captured bytes per stream (what is beyond is counted and dropped). */
  maxOutputBytes?: number;
  /** Aborting rejects with an AbortError, as an aborted `docker exec` child does. */
  signal?: AbortSignal;
  /** Called when the timeout fires, before the stream is dropped (e.g. to remove the container). */
  onTimeout?: () => void | Promise<void>;
  /** Where stdout goes instead of a capped buffer (a framed copy-out stream). */
  stdoutCapture?: OutputCapture;
}

/** What the CLI prints and exits with when the engine refuses an exec or cannot be reached. */
function refusal(e: unknown): { exitCode: number; stderr: string } {
  if (e instanceof EngineError) return { exitCode: 1, stderr: `Error response from daemon: ${e.message}\n` };
  // The stream or the engine went away mid-exec: `docker exec` exits 255 then.
  return { exitCode: 255, stderr: `error during connect: ${e instanceof Error ? e.message : String(e)}\n` };
}

/** `docker exec NAME CMD...` with captured text output: the same CommandResult as the CLI's. */
export async function execInContainer(
  name: string,
  cfg: ExecConfig,
  opts: ContainerExecOptions = {},
): Promise<CommandResult> {
  const args = execArgs(name, cfg);
  const engine = await localEngine();
  if (engine === null) {
    return docker(args, {
      timeoutMs: opts.timeoutMs,
      maxOutputBytes: opts.maxOutputBytes,
      signal: opts.signal,
      onTimeout: opts.onTimeout,
      stdoutCapture: opts.stdoutCapture,
    });
  }
  const started = performance.now();
  const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const out = opts.stdoutCapture ?? new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  const timeout = new AbortController();
  let timedOut = false;
  const timer =
    opts.timeoutMs && opts.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          void Promise.resolve(opts.onTimeout?.()).catch(() => undefined);
          timeout.abort();
        }, opts.timeoutMs)
      : undefined;
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
  let exitCode: number | null = null;
  try {
    const outcome = await engine.exec(
      name,
      cfg,
      { stdout: (c) => out.push(c), stderr: (c) => err.push(c) },
      { signal },
    );
    exitCode = outcome.exitCode;
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    if (!timedOut) {
      const r = refusal(e);
      exitCode = r.exitCode;
      err.push(Buffer.from(r.stderr, 'utf8'));
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  return capturedResult('docker', args, out, err, {
    exitCode: timedOut ? null : exitCode,
    signal: null,
    timedOut,
    startedAt: started,
  });
}

/**
 * `docker exec NAME CMD...` keeping at most `cap` bytes of stdout as raw bytes (a tar
 * stream): reading stops once the cap is passed, so a hostile output directory can
 * neither grow our memory nor keep us reading.
 */
export async function captureFromContainer(
  name: string,
  cfg: ExecConfig,
  cap: number,
  timeoutMs: number,
): Promise<BinaryCapture> {
  const engine = await localEngine();
  if (engine === null) return captureBinary(execArgs(name, cfg), cap, timeoutMs);
  const out = new CappedBuffer(cap);
  let stderr = '';
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  let exitCode: number | null = null;
  try {
    const outcome = await engine.exec(
      name,
      cfg,
      {
        stdout: (c) => {
          out.push(c);
          if (out.truncated) stop.abort();
        },
        stderr: (c) => {
          if (stderr.length < 8192) stderr += c.toString('utf8');
        },
      },
      { signal: stop.signal },
    );
    exitCode = outcome.exitCode;
  } catch (e) {
    if (!stop.signal.aborted) {
      const r = refusal(e);
      exitCode = r.exitCode;
      stderr += r.stderr;
    }
  } finally {
    clearTimeout(timer);
  }
  return { data: out.toBuffer(), totalBytes: out.total, truncated: out.truncated, exitCode, stderr };
}
