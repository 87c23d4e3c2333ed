import { constants } from 'node:fs';
import { copyFile, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { VerificationError } from '../errors.js';
import { checkoutBranch, checkRemote, safeRelative } from './publish.js';
import { layoutOf, listClosedSegments } from './segments.js';

/**
 * The audit branch's log, copied out of git so a run can extend it (and its verdict
 * cache index it: docs/cache.md). Read-only: a shallow fetch of the branch's head into a
 * throwaway repository, whose log files (closed segments, pruning anchor, active file,
 * checkpoint) are copied into `into` under the names of a log called `base`. Nothing
 * here is trusted: the caller verifies the copy before using it.
 */
export type BranchLogFetch = 'copied' | 'no-branch' | 'no-log';

export async function fetchBranchLog(opts: {
  remote: string;
  branch?: string;
  /** Folder on the branch holding `log.jsonl` (default `audit`), as for publishing. */
  dir?: string;
  gitEnv?: NodeJS.ProcessEnv;
  /** An existing private directory the copies go to. */
  into: string;
  /** The copied log's file name (its checkpoint is `<base>.checkpoint`, and so on). */
  base: string;
}): Promise<BranchLogFetch> {
  const branch = opts.branch ?? 'airlock-audit';
  const folder = safeRelative(opts.dir ?? 'audit');
  checkRemote(opts.remote, branch);
  const work = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
  try {
    if (!(await checkoutBranch(work, opts.remote, branch, opts.gitEnv ?? {}, true))) return 'no-branch';
    const from = layoutOf(join(work, folder, 'log.jsonl'));
    const to = layoutOf(join(opts.into, opts.base));
    const checkpoint = (await regularFile(from.checkpointPath))
      ? from.checkpointPath
      : (await regularFile(from.legacyCheckpointPath))
        ? from.legacyCheckpointPath
        : undefined;
    if (!checkpoint) return 'no-log';
    const copies: [string, string][] = [];
    for (const s of await listClosedSegments(from)) {
      copies.push([s.path, join(opts.into, `${opts.base}${basename(s.path).slice(from.base.length)}`)]);
    }
    if (await regularFile(from.anchorPath)) copies.push([from.anchorPath, to.anchorPath]);
    if (await regularFile(from.logPath)) copies.push([from.logPath, to.logPath]);
    copies.push([checkpoint, to.checkpointPath]);
    // COPYFILE_EXCL: `into` is the caller's fresh directory; nothing there is overwritten.
    for (const [src, dst] of copies) await copyFile(src, dst, constants.COPYFILE_EXCL);
    return 'copied';
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Whether `path` is a regular file. A branch commit can hold a symlink in place of a
 * log file (pointing at a file of the runner's): refused, never read through.
 */
async function regularFile(path: string): Promise<boolean> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (st === null) return false;
  if (!st.isFile()) {
    throw new VerificationError(
      'AUDIT_SEGMENT_INVALID',
      `${basename(path)} on the audit branch is not a regular file (symlink?)`,
    );
  }
  return true;
}
