import { UserError } from '../errors.js';
import { runGit, tryResolveCommit } from '../exec/git.js';
import { describeFailure } from '../exec/run-command.js';
import { openWorkspace } from './workspace-paths.js';

/**
 * The Python files a pull request added, changed or renamed (not deleted): what a
 * PR gate should cover. Uses the git CLI through the one hardened wrapper (src/exec/git.ts).
 *
 * Refs come from the event payload or the user; a ref like `--output=/tmp/x` would
 * be read by git as an option, so each ref is resolved on its own with
 * `--end-of-options` first and only the resulting commit ids reach `git diff`.
 */

// Names are NUL-separated (-z) and may be long; a diff listing more than this is not a PR to gate file by file.
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

const git = (cwd: string, args: string[]) => runGit(cwd, args, { maxOutputBytes: MAX_OUTPUT_BYTES });

async function resolveCommit(cwd: string, ref: string, what: string): Promise<string> {
  if (ref === '' || ref.length > 256 || /[\0-\x1f\x7f]/.test(ref)) {
    throw new UserError('GIT_FAILED', `${what} ref ${JSON.stringify(ref)} is not a valid git ref`);
  }
  const id = await tryResolveCommit(cwd, ref);
  if (id === undefined) {
    throw new UserError(
      'GIT_FAILED',
      `${what} ref ${JSON.stringify(ref)} is not a commit in ${cwd} (a shallow clone? fetch it, e.g. actions/checkout fetch-depth: 0)`,
    );
  }
  return id;
}

/**
 * Workspace-relative paths (forward slashes, sorted) of `.py` and `.ipynb` files added, modified
 * or renamed between the merge base of `base` and `head`, and `head`. Throws
 * `UserError` GIT_FAILED when git cannot answer (not a repository, unknown ref, no
 * merge base in a shallow clone).
 */
export async function changedPythonFiles(opts: {
  workspace: string;
  base: string;
  head: string;
}): Promise<string[]> {
  const ws = await openWorkspace(opts.workspace);
  const base = await resolveCommit(ws.real, opts.base, 'base');
  const head = await resolveCommit(ws.real, opts.head, 'head');
  const r = await git(ws.real, [
    'diff',
    '--name-only',
    '-z', // names can hold newlines and quotes; NUL cannot appear in one
    '--no-ext-diff',
    '--no-textconv',
    '-M', // a renamed script is reported under its new name, whatever diff.renames says
    '--diff-filter=ACMR',
    '--relative', // paths relative to the workspace, which may be a subfolder of the repository
    `${base}...${head}`,
    '--',
    '*.py',
    '*.ipynb',
  ]);
  if (r.exitCode !== 0 || r.timedOut) {
    throw new UserError('GIT_FAILED', `listing changed files failed: ${describeFailure(r)}`);
  }
  if (r.stdoutTruncated) {
    throw new UserError('GIT_FAILED', `the diff lists more than ${MAX_OUTPUT_BYTES} bytes of file names`);
  }
  const names = r.stdout.split('\0').filter((n) => n.endsWith('.py') || n.endsWith('.ipynb'));
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
