import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Directories Airlock writes into, made without ever following a symbolic link.
 *
 * ATTACKER-CONTROLLED INPUT: the workspace is a checkout, and a pull request can commit a
 * symlink where the output directory (or the audit log's) will be made: `.airlock ->
 * /home/runner/.config/git`. `mkdir -p` would follow it and every later write would land
 * outside the workspace. So each component below the workspace is checked with lstat (or
 * created by us), and one that is a link or not a directory is refused. The workspace
 * itself is the caller's choice and trusted as given. Node has no openat(), so this is a
 * check then use; it holds against what is committed, which is what a pull request controls
 * (the sandboxed script has no access to the host's workspace at all).
 */
export async function ensureRealDirs(workspace: string, dir: string, what: string): Promise<void> {
  const rel = relative(workspace, dir);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new UserError('PATH_OUTSIDE_WORKSPACE', `${what}: ${dir} is outside the workspace ${workspace}`);
  }
  let cur = workspace;
  for (const part of rel.split(sep).filter(Boolean)) {
    cur = join(cur, part);
    let st = await lstatOrNull(cur);
    if (st === null) {
      try {
        await mkdir(cur, { mode: 0o755 });
      } catch (e) {
        // Another run made it first: fine, it is checked below like any existing one.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      st = await lstat(cur);
    }
    if (st.isSymbolicLink()) {
      throw new UserError(
        'PATH_INVALID',
        `${what}: ${relative(workspace, cur)} is a symbolic link; Airlock never writes through a link (a pull request can commit one pointing anywhere): remove it or choose another path`,
      );
    }
    if (!st.isDirectory()) {
      throw new UserError(
        'PATH_INVALID',
        `${what}: ${relative(workspace, cur)} exists and is not a directory`,
      );
    }
  }
}

/**
 * Removes an earlier run's file at `file` (a report, SARIF or summary), so a run that
 * fails never leaves an older one looking current. A link is removed, never followed;
 * a directory there is refused.
 */
export async function removeStaleFile(file: string, what: string): Promise<void> {
  const st = await lstatOrNull(file);
  if (st === null) return;
  if (st.isDirectory()) throw new UserError('PATH_INVALID', `${what}: ${file} is a directory`);
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

export async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * For a path the CLI user named (`--report`, `--out`): inside the working directory (a
 * checkout, which may hold committed links) its folder is made without following links;
 * outside it the user named it explicitly and it is left to them.
 */
export async function ensureParentInCwd(cwd: string, file: string, what: string): Promise<void> {
  const rel = relative(cwd, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return;
  await ensureRealDirs(cwd, dirname(file), what);
}
