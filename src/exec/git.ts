import { AirlockError, UserError } from '../errors.js';
import { type CommandResult, describeFailure, minimalEnv, tryRunCommand } from './run-command.js';

/**
 * The one hardened way Airlock runs git: asking about the workspace (changed files, the
 * checked-out commit, files at a trusted revision), reading the image's source revision,
 * and publishing the audit branch from a throwaway clone.
 *
 * The workspace may hold a pull request's files, and git reads some of its settings
 * from places a PR or the runner image can influence, so every call:
 * - reads no system or global config (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null);
 * - runs no hooks and no fsmonitor program (`core.hooksPath=/dev/null`,
 *   `core.fsmonitor=false`), whatever `.git/config` says;
 * - never prompts (a CI job must fail, not hang) and takes no optional locks;
 * - passes argv only; callers put `--end-of-options` before anything user-supplied.
 * Content is read with plumbing (`cat-file`, `ls-tree`), which applies no
 * `.gitattributes` filters or textconv drivers.
 */
const GIT_TIMEOUT_MS = 60_000;
export const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * `extra`: what a caller adds on top (commit identity, an auth header through
 * GIT_CONFIG_COUNT/KEY/VALUE); it cannot switch the hardening below off, which is argv.
 */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return minimalEnv({
    ...extra,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_OPTIONAL_LOCKS: '0',
  });
}

const HARDENING = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'commit.gpgsign=false',
];

export interface GitOptions {
  maxOutputBytes?: number;
  timeoutMs?: number;
  /** Added to the hardened environment (gitEnv). */
  env?: NodeJS.ProcessEnv;
}

/** Runs git; a non-zero exit is the caller's to judge. Throws GIT_FAILED only when git cannot start. */
export async function runGit(cwd: string, args: string[], opts: GitOptions = {}): Promise<CommandResult> {
  try {
    return await tryRunCommand('git', [...HARDENING, ...args], {
      cwd,
      env: gitEnv(opts.env),
      timeoutMs: opts.timeoutMs ?? GIT_TIMEOUT_MS,
      maxOutputBytes: opts.maxOutputBytes ?? 16 * 1024 * 1024,
    });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'git not found on PATH' : String(e);
    throw new UserError('GIT_FAILED', why, { cause: e });
  }
}

/** Runs git and throws GIT_FAILED (naming the command, exit code and last stderr line) unless it exits 0. */
export async function runGitOk(cwd: string, args: string[], opts: GitOptions = {}): Promise<CommandResult> {
  const r = await runGit(cwd, args, opts);
  if (r.exitCode !== 0) throw new AirlockError('GIT_FAILED', describeFailure(r));
  return r;
}

/**
 * The commit id a ref names, resolved on its own (`--end-of-options`, so a ref like
 * `--output=/tmp/x` from a payload is never an option); undefined when the
 * repository does not have it (e.g. a shallow clone).
 */
export async function tryResolveCommit(cwd: string, ref: string): Promise<string | undefined> {
  if (ref === '' || ref.length > 256 || /[\0-\x1f\x7f]/.test(ref)) return undefined;
  const r = await runGit(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    maxOutputBytes: 64 * 1024,
  });
  const id = r.stdout.trim();
  return r.exitCode === 0 && COMMIT_ID.test(id) ? id : undefined;
}
