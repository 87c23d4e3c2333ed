import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';

/**
 * The source lines the text output quotes, read from the workspace after the gate.
 * Only regular files inside the workspace (a symlink is not followed: the path came
 * from a report of hostile files) and at most MAX_BYTES; anything else is simply not
 * quoted. Display only: the gate decided on the staged bytes, not on these.
 */
const MAX_BYTES = 4 * 1024 * 1024;

export async function loadSourceLines(
  workspace: string,
  paths: readonly string[],
): Promise<(path: string, line: number) => string | undefined> {
  const files = new Map<string, string[]>();
  const root = await realpath(workspace).catch(() => workspace);
  for (const p of new Set(paths)) {
    const abs = join(workspace, p);
    // A symlinked directory on the way could lead out of the workspace: check the real path.
    const real = await realpath(abs).catch(() => undefined);
    const rel = real === undefined ? '..' : relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    const st = await lstat(abs).catch(() => undefined);
    if (!st?.isFile() || st.size > MAX_BYTES) continue;
    const text = await readFile(abs, 'utf8').catch(() => undefined);
    if (text !== undefined) files.set(p, text.split(/\r?\n/));
  }
  return (path, line) => files.get(path)?.[line - 1];
}
