import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { quoteRef } from './describe-issue.js';
import { policiesDir } from './policies-dir.js';

/**
 * Where a policy and everything it names (`extends`, `scanners.semgrep.rulesDir`, and
 * any later file reference) may be read from: the workspace (for a pull request, the
 * private copy of the base commit's files) and the shipped policies folder.
 *
 * The attack this blocks (issue 21, item 2): a policy in a pull request that says
 * `extends: ../../../etc/passwd` or `rulesDir: /` made Airlock read files outside the
 * workspace and print them in its error, and the difference between "not found" and
 * "not a policy" told the author which files exist. Now:
 * - a reference is checked lexically first, so a path that leaves the scope is refused
 *   without touching the file system (no existence oracle);
 * - then on its real path (every symlink resolved): a link that leads out is refused
 *   the same way, with the same words, whether its target exists or not;
 * - files are opened with O_NOFOLLOW, and on Linux the opened descriptor's own path
 *   (/proc/self/fd) is checked again, so a link swapped in after the check is caught;
 * - a refusal quotes only the reference as the policy wrote it, never the file.
 * `.git` is never in scope: it holds the checkout's credentials (actions/checkout
 * persists the token in .git/config).
 */
export interface PolicyScope {
  /** Real paths of the folders a policy may read from. */
  roots: string[];
  /** The same folders as named (a workspace path may itself run through a link): for the lexical check. */
  named: string[];
}

async function realOrResolved(p: string): Promise<string> {
  return realpath(p).catch(() => resolve(p));
}

export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Inside one of `roots`, and not in a `.git` folder below it. */
function within(roots: readonly string[], p: string): boolean {
  return roots.some((r) => isInside(r, p) && !relative(r, p).split(sep).includes('.git'));
}

function inScope(scope: PolicyScope, p: string): boolean {
  return within(scope.roots, p);
}

/**
 * The scope for a policy loaded as `top` with the workspace `root`. A top file the
 * operator named outside the workspace (a command line's `--policy /etc/airlock/x.yml`)
 * is the operator's choice, so its own folder joins the scope; a top file named
 * inside the workspace gets no such widening, so a committed symlink cannot use it.
 */
export async function policyScope(
  top: string,
  root: string,
): Promise<{ scope: PolicyScope; namedOutside: boolean }> {
  const shipped = policiesDir();
  const roots = [await realOrResolved(root), await realOrResolved(shipped)];
  const names = [...roots, resolve(root), resolve(shipped)];
  const file = resolve(top);
  const namedOutside = !names.some((r) => isInside(r, file));
  if (namedOutside) {
    const own = dirname(await realOrResolved(file));
    roots.push(own);
    names.push(own, dirname(file));
  }
  return { scope: { roots, named: names }, namedOutside };
}

/** The one refusal, for outside, through a link, or a dangling link alike. */
function refused(label: string, field: string, ref: string): UserError {
  return new UserError(
    'POLICY_INVALID',
    `policy ${label}: ${field}: ${quoteRef(ref)} is not a file inside the workspace or the shipped policies ` +
      '(references may not leave the workspace, follow a link out of it, or enter .git)',
  );
}

export interface Resolved {
  /** Real path, inside the scope. */
  path: string;
}

/**
 * Resolves `abs` (what `field` in `label` names, written `ref`) to a real path in the
 * scope. Throws POLICY_INVALID (refused) or POLICY_NOT_FOUND; "not found" is said only
 * when the deepest existing folder on the way is itself inside the scope and the next
 * name does not exist at all (not even as a dangling link), so it reveals nothing
 * about the world outside.
 */
export async function resolveInScope(
  scope: PolicyScope,
  abs: string,
  where: { label: string; field: string; ref: string },
): Promise<Resolved> {
  const lexical = resolve(abs);
  // Lexical first: `../../etc/passwd` is refused before any file-system call.
  if (!within(scope.named, lexical)) throw refused(where.label, where.field, where.ref);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw refused(where.label, where.field, where.ref);
    await explainMissing(scope, lexical, where);
    throw new UserError(
      'POLICY_NOT_FOUND',
      where.field === 'policy file'
        ? `policy file ${where.label} not found`
        : `policy ${where.label}: ${where.field}: ${quoteRef(where.ref)} not found`,
    );
  }
  if (!inScope(scope, real)) throw refused(where.label, where.field, where.ref);
  return { path: real };
}

/** Throws the refusal unless `lexical` is missing plainly inside the scope. */
async function explainMissing(
  scope: PolicyScope,
  lexical: string,
  where: { label: string; field: string; ref: string },
): Promise<void> {
  let child = lexical;
  for (let dir = dirname(lexical); ; child = dir, dir = dirname(dir)) {
    const real = await realpath(dir).catch(() => undefined);
    if (real !== undefined) {
      if (!inScope(scope, real)) throw refused(where.label, where.field, where.ref);
      // The first missing name: a dangling link here would point somewhere we must not say.
      const link = await lstat(join(real, relative(dir, child))).catch(() => undefined);
      if (link !== undefined) throw refused(where.label, where.field, where.ref);
      return;
    }
    if (dirname(dir) === dir) throw refused(where.label, where.field, where.ref);
  }
}

/**
 * Opens a resolved file for reading without following a link in its last component,
 * and (on Linux) re-checks the path the descriptor really points at.
 */
export async function openInScope(
  scope: PolicyScope,
  file: Resolved,
  where: { label: string; field: string; ref: string },
): Promise<FileHandle> {
  // O_NONBLOCK: a FIFO named as a policy must not hang the gate in open().
  const handle = await open(
    file.path,
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  ).catch(() => {
    throw refused(where.label, where.field, where.ref);
  });
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => file.path);
  if (!inScope(scope, opened)) {
    await handle.close();
    throw refused(where.label, where.field, where.ref);
  }
  return handle;
}

/** A rules folder is a few dozen small YAML files; these bound a hostile or mistaken one. */
export const MAX_RULE_ENTRIES = 1000;
const MAX_RULE_DEPTH = 8;

/**
 * Checks a folder a policy names (a Semgrep rules folder) before anyone reads it:
 * inside the scope, a directory, and holding only directories and regular files,
 * no links (the scanner reads the files on the host and would follow them out).
 */
export async function checkFolderInScope(
  scope: PolicyScope,
  dir: Resolved,
  where: { label: string; field: string; ref: string },
): Promise<void> {
  const top: Stats = await lstat(dir.path);
  if (!top.isDirectory()) {
    throw new UserError('POLICY_INVALID', `policy ${where.label}: ${where.field}: expected a folder`);
  }
  let entries = 0;
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > MAX_RULE_DEPTH) {
      throw new UserError(
        'POLICY_INVALID',
        `policy ${where.label}: ${where.field}: nested deeper than ${MAX_RULE_DEPTH} folders`,
      );
    }
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (++entries > MAX_RULE_ENTRIES) {
        throw new UserError(
          'POLICY_INVALID',
          `policy ${where.label}: ${where.field}: holds more than ${MAX_RULE_ENTRIES} entries`,
        );
      }
      if (e.isDirectory()) {
        if (e.name === '.git') throw refused(where.label, where.field, where.ref);
        await walk(join(d, e.name), depth + 1);
      } else if (!e.isFile()) {
        // Names inside are from the workspace; kept out of the message all the same.
        throw new UserError(
          'POLICY_INVALID',
          `policy ${where.label}: ${where.field}: holds a link or special file; only folders and regular files are read`,
        );
      }
    }
  };
  await walk(dir.path, 0);
  if (!inScope(scope, dir.path)) throw refused(where.label, where.field, where.ref);
}
