import { UserError } from '../errors.js';
import { runGit } from '../exec/git.js';
import { describeFailure } from '../exec/run-command.js';

/**
 * What a pull request changes under some repository paths (files or folders):
 * `base...head`, i.e. from their merge base, the way GitHub shows a PR's diff.
 * Paths are literal (no globbing); git runs through the hardened wrapper with no
 * external diff or textconv drivers, so a PR's `.gitattributes` runs nothing.
 */

/** Bounds what lands in a job summary; GitHub caps a step summary at 1 MiB. */
export const MAX_DIFF_BYTES = 64 * 1024;

export interface PathChanges {
  /** Repository-relative paths that differ, sorted. */
  files: string[];
  /** The unified diff, cut at MAX_DIFF_BYTES. */
  diff: string;
  diffTruncated: boolean;
}

export async function changesUnder(opts: {
  top: string;
  base: string;
  head: string;
  paths: string[];
}): Promise<PathChanges> {
  if (opts.paths.length === 0) return { files: [], diff: '', diffTruncated: false };
  const common = ['--literal-pathspecs', 'diff', '--no-ext-diff', '--no-textconv', '--no-color'];
  const range = [`${opts.base}...${opts.head}`, '--', ...opts.paths];
  const names = await runGit(opts.top, [...common, '--name-only', '-z', ...range]);
  if (names.exitCode !== 0 || names.stdoutTruncated) {
    throw new UserError('GIT_FAILED', `listing the PR's changes failed: ${describeFailure(names)}`);
  }
  const files = [...new Set(names.stdout.split('\0').filter(Boolean))].sort();
  if (files.length === 0) return { files, diff: '', diffTruncated: false };
  const diff = await runGit(opts.top, [...common, ...range], { maxOutputBytes: MAX_DIFF_BYTES });
  if (diff.exitCode !== 0 && !diff.stdoutTruncated) {
    throw new UserError('GIT_FAILED', `diffing the PR's changes failed: ${describeFailure(diff)}`);
  }
  return { files, diff: diff.stdout, diffTruncated: diff.stdoutTruncated };
}

/** The repository's top folder for a workspace (which may be a subfolder of it). */
export async function repositoryTop(workspace: string): Promise<string> {
  const r = await runGit(workspace, ['rev-parse', '--show-toplevel'], { maxOutputBytes: 64 * 1024 });
  if (r.exitCode !== 0) {
    throw new UserError('GIT_FAILED', `${workspace} is not a git checkout: ${describeFailure(r)}`);
  }
  return r.stdout.trim();
}
