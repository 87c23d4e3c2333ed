import { UserError } from '../errors.js';
import { type CommandResult, minimalEnv, tryRunCommand } from './run-command.js';

/**
 * The one hardened way Airlock asks git about the workspace (changed files, the
 * checked-out commit, files at a trusted revision).
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

export function gitEnv(): NodeJS.ProcessEnv {
  return minimalEnv({
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_OPTIONAL_LOCKS: '0',
  });
}

const HARDENING = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'];

/** Runs git; a non-zero exit is the caller's to judge. Throws GIT_FAILED only when git cannot start. */
export async function runGit(
  cwd: string,
  args: string[],
  opts: { maxOutputBytes?: number; timeoutMs?: number } = {},
): Promise<CommandResult> {
  try {
    return await tryRunCommand('git', [...HARDENING, ...args], {
      cwd,
      env: gitEnv(),
      timeoutMs: opts.timeoutMs ?? GIT_TIMEOUT_MS,
      maxOutputBytes: opts.maxOutputBytes ?? 16 * 1024 * 1024,
    });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'git not found on PATH' : String(e);
    throw new UserError('GIT_FAILED', why, { cause: e });
  }
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
