import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Path arithmetic that keeps discovery inside the workspace. Every name here may
 * come from a pull request: `../`, absolute paths, and symbolic links pointing out
 * of the checkout (at the runner's home, its tokens, /etc) are all refused.
 */

export interface Workspace {
  /** As given, resolved: user-supplied absolute paths are compared against this... */
  given: string;
  /** ...and everything read is checked against this, its real path. */
  real: string;
}

export async function openWorkspace(dir: string): Promise<Workspace> {
  const given = resolve(dir);
  try {
    const real = await realpath(given);
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    return { given, real };
  } catch (e) {
    throw new UserError('PATH_INVALID', `workspace ${given} is not a readable directory`, { cause: e });
  }
}

/** `child` relative to `root` with forward slashes, or null when it is not inside (or is root itself: ''). */
export function insideRelative(root: string, child: string): string | null {
  const rel = relative(root, child);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** Resolves a path the user named (relative to the workspace, or absolute inside it), lexically. */
export function resolveNamed(ws: Workspace, p: string): string {
  const abs = resolve(ws.given, p);
  if (insideRelative(ws.given, abs) === null && insideRelative(ws.real, abs) === null) {
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `${JSON.stringify(p)} is outside the workspace ${ws.given}`,
    );
  }
  return abs;
}

/** Real path of `abs` if it stays inside the workspace after every symlink is resolved, else null. */
export async function realInside(ws: Workspace, abs: string): Promise<{ real: string; rel: string } | null> {
  const real = await realpath(abs);
  const rel = insideRelative(ws.real, real);
  return rel === null ? null : { real, rel };
}

/**
 * A glob pattern made workspace-relative. fast-glob would happily walk `../**` or
 * `/etc/**`, so those are refused before globbing; links inside the tree are
 * checked per match afterwards.
 */
export function relativePattern(ws: Workspace, pattern: string): string {
  let rel = pattern;
  for (const root of [ws.given, ws.real]) {
    if (rel.startsWith(`${root}/`)) rel = rel.slice(root.length + 1);
  }
  if (rel.startsWith('/') || rel.split('/').includes('..')) {
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `pattern ${JSON.stringify(pattern)} reaches outside the workspace`,
    );
  }
  return rel.replace(/^(\.\/)+/, '');
}
