import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { syncDir } from '../audit/atomic-file.js';
import { acquireLock, type LockHandle } from '../audit/lock.js';
import { UserError, isAirlockError } from '../errors.js';
import { hostResourceError } from '../host-error.js';
import { VERSION } from '../version.js';
import { ensureParentInCwd, ensureRealDirs, lstatOrNull, removeStaleFile } from './real-dirs.js';

/**
 * The output directory (`--out`, input `output-dir`) holds exactly one run: the latest
 * one that finished. docs/cli.md, "The output directory", is the user-facing account.
 *
 * - One run at a time per directory: a lock file beside it (`.<name>.lock`); a second
 *   run into the same directory refuses at once with OUTPUT_DIR_BUSY. A lock left by a
 *   run that was killed (its pid is gone on this host) is broken, as the audit log's is.
 * - At the start the previous run's output is removed (and any report, SARIF or summary
 *   written elsewhere), so a run that fails never leaves an older report looking current.
 * - The run writes into a fresh directory of its own beside the target (mkdtemp: made by
 *   us, empty, so no artifact collides with an old one and no planted link is in it),
 *   and only a run that finished is renamed into place. A failed run's partial output is
 *   deleted: nothing is left claiming more than happened; one a killed run left behind
 *   is deleted by the next run.
 * - A directory that was not written by Airlock (no `.airlock-run.json` marker, and not
 *   the older layout) is never deleted: the run refuses instead.
 */
export const RUN_MARKER = '.airlock-run.json';

export interface OutputRun {
  /** The fresh directory this run writes into; it becomes the output directory on commit. */
  readonly dir: string;
  /** Where to write `final` now: inside the run directory when `final` is under the output directory. */
  pathFor(final: string): Promise<string>;
  /**
   * Writes `final` with `write(pathFor(final))`; a host error (full disk...) names `final`,
   * the path the user knows, rather than the run directory's temporary one.
   */
  write(final: string, write: (path: string) => Promise<unknown>): Promise<void>;
  /** Renames the run directory into place and releases the lock. */
  commit(): Promise<void>;
  /** Deletes the run directory and releases the lock. Never throws. */
  discard(): Promise<void>;
}

/** What an Airlock before the marker wrote: reports and `NNN-name` artifact folders. */
const LEGACY_ENTRY =
  /^(report\.json|airlock\.sarif|summary\.md|smoke\.json|\d{3}-[A-Za-z0-9._-]+|\..+\.tmp)$/;

export async function openOutputRun(opts: {
  workspace: string;
  outDir: string;
  /** Report, SARIF and summary paths; those outside the output directory are cleared here too. */
  files: readonly (string | undefined)[];
}): Promise<OutputRun> {
  const { workspace, outDir } = opts;
  const rel = relative(workspace, outDir);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new UserError(
      'PATH_INVALID',
      `the output directory ${outDir} must be a directory inside the workspace ${workspace}, not the workspace itself`,
    );
  }
  const parent = dirname(outDir);
  await ensureRealDirs(workspace, parent, 'output directory');
  const lock = await lockOutput(join(parent, `.${basename(outDir)}.lock`), outDir).catch(async (e) => {
    // A disk too full for even the lock file: the run ends (HOST_DISK_FULL), and the
    // previous output still goes so it does not look like this run's.
    if (hostResourceError(e)) await removePrevious(outDir).catch(() => undefined);
    throw e;
  });
  try {
    await removeLeftovers(parent, basename(outDir));
    await removePrevious(outDir);
    for (const f of opts.files) {
      if (!f || isUnder(outDir, f)) continue;
      // Outside the workspace the user named the file explicitly (the CLI's --report /tmp/r.json).
      await ensureParentInCwd(workspace, f, 'report');
      await removeStaleFile(f, 'report');
    }
    const dir = await mkdtemp(join(parent, `.${basename(outDir)}.run-`));
    await chmod(dir, 0o755);
    await writeFile(
      join(dir, RUN_MARKER),
      `${JSON.stringify({ airlock: VERSION, startedAt: new Date().toISOString(), pid: process.pid })}\n`,
      { flag: 'wx' },
    );
    return runIn(dir, outDir, lock);
  } catch (e) {
    await lock.release();
    throw e;
  }
}

function runIn(dir: string, outDir: string, lock: LockHandle): OutputRun {
  let open = true;
  const pathFor = async (final: string) => {
    if (!isUnder(outDir, final)) return final;
    const p = join(dir, relative(outDir, final));
    // Below our own fresh directory: nothing in it was planted.
    await mkdir(dirname(p), { recursive: true });
    return p;
  };
  return {
    dir,
    pathFor,
    async write(final, write) {
      try {
        await write(await pathFor(final));
      } catch (e) {
        // Already typed with the temporary path: re-type from the system error it kept.
        const sys = isAirlockError(e) && e.cause ? e.cause : e;
        throw hostResourceError(sys, final) ?? e;
      }
    },
    async commit() {
      if (!open) return;
      open = false;
      try {
        // rename never follows a link at the target, and fails on a non-empty directory.
        await rename(dir, outDir);
        await syncDir(dirname(outDir));
      } catch (e) {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw e;
      } finally {
        await lock.release();
      }
    },
    async discard() {
      if (!open) return;
      open = false;
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      await lock.release().catch(() => undefined);
    },
  };
}

async function lockOutput(path: string, outDir: string): Promise<LockHandle> {
  try {
    return await acquireLock(path, { timeoutMs: 0 });
  } catch (e) {
    if (!isAirlockError(e) || e.code !== 'AUDIT_LOCKED') throw e;
    throw new UserError(
      'OUTPUT_DIR_BUSY',
      `another Airlock run is writing the output directory ${outDir} (lock ${path}: ${e.message}); wait for it to finish or use another output directory`,
    );
  }
}

function isUnder(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * A run killed before it finished (SIGKILL, the runner's deadline) leaves its run directory,
 * or an old output it was deleting, beside the target. With the lock held no other run is
 * using one, so they go.
 */
async function removeLeftovers(parent: string, name: string): Promise<void> {
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`.${name}.run-`) || entry.startsWith(`.${name}.old-`)) {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

/** Clears the previous run's output; refuses a link, a file, or a directory that is not ours. */
async function removePrevious(outDir: string): Promise<void> {
  const st = await lstatOrNull(outDir);
  if (st === null) return;
  if (st.isSymbolicLink()) {
    throw new UserError(
      'PATH_INVALID',
      `output directory ${outDir} is a symbolic link; Airlock never writes through a link (a pull request can commit one pointing anywhere): remove it or choose another path`,
    );
  }
  if (!st.isDirectory())
    throw new UserError('PATH_INVALID', `output directory ${outDir} exists and is not a directory`);
  const entries = await readdir(outDir);
  const ours = entries.includes(RUN_MARKER) || entries.every((n) => LEGACY_ENTRY.test(n));
  if (!ours) {
    throw new UserError(
      'PATH_INVALID',
      `output directory ${outDir} holds files Airlock did not write (no ${RUN_MARKER}); Airlock replaces its output directory on every run: remove it or choose another`,
    );
  }
  // Out of the way first (one rename), then deleted: a crash in between leaves a dot-dir, not a half-deleted output.
  const old = join(dirname(outDir), `.${basename(outDir)}.old-${randomBytes(4).toString('hex')}`);
  await rename(outDir, old);
  await rm(old, { recursive: true, force: true });
}
