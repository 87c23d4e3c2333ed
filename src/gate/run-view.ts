import { copyFile, cp, link, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

/**
 * What the sandbox mounts for scripts of one level, built from the stage after
 * assessment:
 * - Python sources assessed stricter than that level are left out of it (`hidden`): a
 *   script cannot import code that may not run under its profile. The scanners' copy
 *   keeps them.
 * - A folder whose host path is not plain is mounted through a copy under a plain name:
 *   Docker's `--mount` is CSV (a comma, quote or newline would break it), so one odd
 *   name would otherwise fail every script. The container sees the same `/work`.
 * Files are hard links into the stage (same filesystem, read-only mounts), not copies.
 */
const PLAIN_PATH = /^[A-Za-z0-9._\-/+@ ]*$/;

export async function buildRunView(opts: {
  base: string;
  tree: string;
  /** Names this view's folders under `base` (`run-<name>`, `mounts-<name>`). */
  name: string;
  /** Workspace-relative folders of the scripts that will run. */
  dirs: string[];
  /** Workspace-relative files to leave out. */
  hidden: ReadonlySet<string>;
}): Promise<(dir: string) => string> {
  let root = opts.tree;
  if (opts.hidden.size) {
    root = join(opts.base, `run-${opts.name}`);
    await linkTree(opts.tree, root, '', opts.hidden);
  }
  const mountOf = new Map<string, string>();
  for (const dir of [...new Set(opts.dirs)].sort()) {
    const host = join(root, dir);
    if (PLAIN_PATH.test(host)) continue;
    const alias = join(opts.base, `mounts-${opts.name}`, String(mountOf.size));
    await mkdir(dirname(alias), { recursive: true, mode: 0o755 });
    // The stage holds only regular files and folders we made: a plain recursive copy.
    await cp(host, alias, { recursive: true });
    mountOf.set(dir, alias);
  }
  return (dir) => mountOf.get(dir) ?? join(root, dir);
}

async function linkTree(from: string, to: string, rel: string, hidden: ReadonlySet<string>): Promise<void> {
  await mkdir(to, { mode: 0o755 });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const path = rel ? posix.join(rel, e.name) : e.name;
    if (e.isDirectory()) await linkTree(join(from, e.name), join(to, e.name), path, hidden);
    else if (e.isFile() && !hidden.has(path)) {
      // A filesystem without hard links (some tmpfs/overlay setups) gets a copy instead.
      await link(join(from, e.name), join(to, e.name)).catch(() =>
        copyFile(join(from, e.name), join(to, e.name)),
      );
    }
  }
}
