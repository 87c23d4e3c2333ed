import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type ErrorCode, UserError } from '../errors.js';

/**
 * Runs a long build command (docker build, the base bootstrap) and hands every
 * output line to a callback as it arrives.
 *
 * Why not src/exec/run-command.ts: that one returns output when the process ends.
 * An image build runs for minutes; a person (or CI log) watching it needs each step
 * as it happens, and a failure needs the last lines, not megabytes of apt output.
 * So this keeps the same rules (argv array, no shell, explicit env, timeout that
 * kills) but streams, and remembers only a short tail of each stream.
 */
export interface StreamOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Milliseconds before SIGTERM, then SIGKILL 5 s later. */
  timeoutMs: number;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Error code when the command cannot be started at all (not found on PATH). */
  spawnErrorCode: ErrorCode;
}

export interface StreamResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Last few non-empty lines of each stream, oldest first. */
  stdoutTail: string[];
  stderrTail: string[];
  durationMs: number;
}

const TAIL_LINES = 20;
/** A line longer than this is cut: one line of a build log is never worth more. */
const MAX_LINE_CHARS = 2000;

export function streamCommand(
  command: string,
  args: readonly string[],
  opts: StreamOptions,
): Promise<StreamResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const tails = { stdout: [] as string[], stderr: [] as string[] };
    let open = 2;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, opts.timeoutMs);

    const finish = () => {
      if (open > 0 || !exit) return;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        stdoutTail: tails.stdout,
        stderrTail: tails.stderr,
        durationMs: Math.round(performance.now() - started),
      });
    };
    for (const name of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[name], crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (raw) => {
        const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
        if (line.trim()) {
          tails[name].push(line);
          if (tails[name].length > TAIL_LINES) tails[name].shift();
        }
        opts.onLine(line, name);
      });
      lines.on('close', () => {
        open -= 1;
        finish();
      });
    }
    child.on('error', (e) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found on PATH` : String(e);
      reject(new UserError(opts.spawnErrorCode, msg, { cause: e }));
    });
    child.on('close', (code, signal) => {
      exit = { code, signal };
      finish();
    });
  });
}
