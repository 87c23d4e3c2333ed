import { spawn } from 'node:child_process';
import { AirlockError, type ErrorCode } from '../errors.js';

/**
 * The one way Airlock runs an external tool (docker, bandit, semgrep, git).
 *
 * - argv arrays only, never a shell: file names from a pull request can contain
 *   `$(...)`, `;`, newlines and leading dashes.
 * - a timeout that kills the process (SIGKILL after a grace period),
 * - stdout/stderr captured up to a byte cap; what is beyond the cap is counted and
 *   dropped, never buffered, so a hostile output flood cannot exhaust our memory.
 * - an explicit environment: callers pass what the tool needs, not our own env.
 */
export interface RunOptions {
  cwd?: string;
  /** Full environment for the child. Default: a minimal PATH/HOME/LANG, not process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before SIGTERM, then SIGKILL 2 s later. 0 = none. */
  timeoutMs?: number;
  /** Cap on captured bytes per stream. Default 8 MiB. */
  maxOutputBytes?: number;
  input?: string | Buffer;
  /** Called when the timeout fires, before the process is signalled (e.g. to docker kill). */
  onTimeout?: () => void | Promise<void>;
  signal?: AbortSignal;
  /** Where stdout goes instead of a CappedBuffer of `maxOutputBytes` (e.g. a framed stream). */
  stdoutCapture?: OutputCapture;
}

export interface CommandResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * Which engine the docker CLI talks to. The user chose it (a remote or rootless
 * engine, a CI service container), so the CLI must see it; these name an endpoint
 * and client config, not secrets, and they go to the docker CLI on the host, never
 * into a container (the container's environment is built from the spec alone).
 */
export const DOCKER_CLIENT_VARS: readonly string[] = [
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
];

export function minimalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const docker: NodeJS.ProcessEnv = {};
  for (const k of DOCKER_CLIENT_VARS) if (process.env[k] !== undefined) docker[k] = process.env[k];
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    ...docker,
    ...extra,
  };
}

/** What a captured stream becomes in a CommandResult: its text, its size, whether it was cut. */
export interface OutputCapture {
  push(chunk: Buffer): void;
  /** Bytes the stream had in all. */
  readonly total: number;
  readonly truncated: boolean;
  toString(): string;
}

/** Keeps the first `cap` bytes of a stream and counts the rest. */
export class CappedBuffer implements OutputCapture {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }
  get truncated(): boolean {
    return this.total > this.kept;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

/** The CommandResult of a run whose two streams were captured into CappedBuffers. */
export function capturedResult(
  command: string,
  args: readonly string[],
  out: OutputCapture,
  err: OutputCapture,
  end: { exitCode: number | null; signal: NodeJS.Signals | null; timedOut: boolean; startedAt: number },
): CommandResult {
  return {
    command,
    args,
    exitCode: end.exitCode,
    signal: end.signal,
    stdout: out.toString(),
    stderr: err.toString(),
    stdoutBytes: out.total,
    stderrBytes: err.total,
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
    timedOut: end.timedOut,
    durationMs: Math.round(performance.now() - end.startedAt),
  };
}

/** Runs a command; resolves with its result whatever the exit code. Rejects only if it cannot start. */
export function tryRunCommand(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], {
      cwd: opts.cwd,
      env: opts.env ?? minimalEnv(),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      shell: false,
      signal: opts.signal,
    });
    const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = opts.stdoutCapture ?? new CappedBuffer(cap);
    const err = new CappedBuffer(cap);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            void Promise.resolve(opts.onTimeout?.()).catch(() => undefined);
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
          }, opts.timeoutMs)
        : undefined;
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      reject(e);
    });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve(
        capturedResult(command, args, out, err, {
          exitCode: code,
          signal: sig,
          timedOut,
          startedAt: started,
        }),
      );
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** Last non-empty line of a stream: what a person needs to act on a failure. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}

export function describeFailure(r: CommandResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `was killed by ${r.signal}` : `exited ${r.exitCode}`;
  const tail = lastLine(r.stderr) || lastLine(r.stdout);
  return `\`${r.command} ${r.args[0] ?? ''}\` ${how}${tail ? `: ${tail}` : ''}`;
}

/** Runs a command and throws an AirlockError with `code` unless it exits 0 (or an allowed code). */
export async function runCommand(
  command: string,
  args: readonly string[],
  opts: RunOptions & { code: ErrorCode; okExitCodes?: readonly number[] },
): Promise<CommandResult> {
  let r: CommandResult;
  try {
    r = await tryRunCommand(command, args, opts);
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found on PATH` : String(e);
    throw new AirlockError(opts.code, msg, { cause: e });
  }
  const ok = opts.okExitCodes ?? [0];
  if (r.timedOut || r.exitCode === null || !ok.includes(r.exitCode)) {
    throw new AirlockError(opts.code, describeFailure(r));
  }
  return r;
}
