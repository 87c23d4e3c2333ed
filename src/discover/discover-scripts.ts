import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { UserError } from '../errors.js';
import { readScript } from './read-script.js';
import {
  openWorkspace,
  realInside,
  relativePattern,
  resolveNamed,
  type Workspace,
} from './workspace-paths.js';

/**
 * Which scripts a gate run covers. Paths are files, directories (walked
 * recursively) or globs; only `.py` files become scripts. Hidden files are not
 * walked into (`dot: false`) and no symbolic link is followed while walking; a
 * link the user names directly is followed only if it stays inside the workspace.
 */

export interface DiscoverOptions {
  workspace: string;
  /** Files, directories or globs, relative to the workspace (or absolute inside it). Empty: the whole workspace. */
  paths: string[];
  /** policy `limits.maxFiles` */
  maxFiles: number;
  /** policy `limits.maxFileBytes` */
  maxFileBytes: number;
  /** Workspace-relative paths (e.g. from changedPythonFiles): when given, only these are kept. */
  changedFiles?: string[];
}

export interface DiscoveredScript {
  /** Relative to the workspace, forward slashes. */
  path: string;
  /** Real path of the file that was read. */
  absPath: string;
  /** SHA-256 (hex) of `content`. */
  sha256: string;
  bytes: number;
  /** The bytes that were hashed: scan and run these (or re-check them), not the path. */
  content: Buffer;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface DiscoveryResult {
  scripts: DiscoveredScript[];
  skipped: Skipped[];
  /** Skipped entries beyond MAX_SKIPPED_REPORTED, counted but not listed. */
  skippedOmitted: number;
}

/**
 * A hostile tree can hold any number of links and oddities: the report lists the
 * first 1000 skipped paths (in path order) and counts the rest, so it stays readable.
 * Beyond 100 000 they are only counted, which bounds memory.
 */
export const MAX_SKIPPED_REPORTED = 1000;
const MAX_SKIPPED_KEPT = 100_000;

const FG_OPTIONS = { dot: false, followSymbolicLinks: false, onlyFiles: false, unique: true } as const;

function byPath(a: { path: string }, b: { path: string }): number {
  // Code-unit order, not localeCompare: the same on every machine whatever its locale.
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

class Collector {
  readonly candidates = new Map<string, string>(); // rel -> real path
  readonly skipped = new Map<string, string>(); // rel -> reason
  omitted = 0;
  private readonly changed: Set<string> | undefined;

  constructor(
    readonly ws: Workspace,
    private readonly opts: DiscoverOptions,
  ) {
    this.changed = opts.changedFiles
      ? new Set(opts.changedFiles.map((f) => f.replace(/^(\.\/)+/, '')))
      : undefined;
  }

  skip(rel: string, reason: string): void {
    if (this.skipped.has(rel)) return;
    if (this.skipped.size >= MAX_SKIPPED_KEPT) this.omitted++;
    else this.skipped.set(rel, reason);
  }

  /** A regular file inside the workspace: a script if it is `.py` (and changed, when filtering). */
  addFile(rel: string, real: string): void {
    if (!rel.endsWith('.py')) {
      this.skip(rel, 'not a Python file (.py)');
      return;
    }
    if (this.changed && !this.changed.has(rel)) return;
    this.candidates.set(rel, real);
    if (this.candidates.size > this.opts.maxFiles) {
      throw new UserError(
        'DISCOVERY_LIMIT',
        `more than ${this.opts.maxFiles} Python files found (limits.maxFiles); name fewer paths or raise limits.maxFiles in the policy`,
      );
    }
  }

  /** An entry found by walking or globbing (never named by the user): links are not followed. */
  async addFound(rel: string, abs: string, walkDirs: boolean): Promise<void> {
    const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
      // A listed entry that cannot be found again by its name: a name that is not valid
      // UTF-8 (Node decodes it with U+FFFD, which names another, absent file), or one
      // removed meanwhile. It cannot be addressed safely, so it is refused, visibly.
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    });
    if (!st) {
      return this.skip(
        rel,
        rel.includes('\uFFFD')
          ? 'file name is not valid UTF-8 (cannot be addressed safely; rename it)'
          : 'vanished while being listed',
      );
    }
    if (st.isSymbolicLink()) {
      const target = await realInside(this.ws, abs).catch(() => null);
      return this.skip(
        rel,
        target
          ? 'symbolic link (not followed; name its target instead)'
          : 'symbolic link leading outside the workspace (not followed)',
      );
    }
    // A match below a linked directory (`linkdir/*.py`): its real path decides.
    const inside = await realInside(this.ws, abs);
    if (!inside)
      return this.skip(rel, 'resolves outside the workspace through a symbolic link (not followed)');
    if (st.isDirectory()) return walkDirs ? this.walk(inside.real) : undefined;
    if (!st.isFile()) return this.skip(rel, 'not a regular file');
    this.addFile(inside.rel, inside.real);
  }

  async walk(dirReal: string): Promise<void> {
    const base = (await realInside(this.ws, dirReal))?.rel ?? '';
    for await (const entry of fg.stream('**/*.py', { ...FG_OPTIONS, cwd: dirReal })) {
      const sub = String(entry);
      await this.addFound(base ? `${base}/${sub}` : sub, join(dirReal, sub), false);
    }
  }

  async glob(pattern: string): Promise<void> {
    let matched = 0;
    for await (const entry of fg.stream(relativePattern(this.ws, pattern), {
      ...FG_OPTIONS,
      cwd: this.ws.real,
    })) {
      matched++;
      const rel = String(entry);
      await this.addFound(rel, join(this.ws.real, rel), true);
    }
    if (matched === 0) this.skip(pattern, 'pattern matched no files');
  }

  /** A path the user named: refused loudly (UserError) if it leaves the workspace. */
  async named(p: string): Promise<void> {
    if (p === '' || p.includes('\0'))
      throw new UserError('PATH_INVALID', `invalid path ${JSON.stringify(p)}`);
    const abs = resolveNamed(this.ws, p);
    const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw new UserError('PATH_INVALID', `${JSON.stringify(p)} cannot be read (${e.code})`, { cause: e });
    });
    if (!st) {
      // Not an existing file: a glob, if it looks like one. An existing file wins, so
      // a script literally named `[x].py` is not mistaken for a pattern.
      if (fg.isDynamicPattern(p)) return this.glob(p);
      throw new UserError('PATH_INVALID', `${JSON.stringify(p)}: no such file or directory in the workspace`);
    }
    const inside = await realInside(this.ws, abs);
    if (!inside) {
      throw new UserError(
        'PATH_OUTSIDE_WORKSPACE',
        `${JSON.stringify(p)} resolves outside the workspace through a symbolic link`,
      );
    }
    const target = st.isSymbolicLink() ? await lstat(inside.real) : st;
    if (target.isDirectory()) return this.walk(inside.real);
    if (!target.isFile()) return this.skip(inside.rel, 'not a regular file');
    this.addFile(inside.rel, inside.real);
  }
}

/**
 * Finds the scripts under `paths`, reads and hashes each once, and returns them in
 * path order with what was left out and why. Throws `UserError` PATH_INVALID,
 * PATH_OUTSIDE_WORKSPACE or DISCOVERY_LIMIT.
 */
export async function discoverScripts(opts: DiscoverOptions): Promise<DiscoveryResult> {
  const c = new Collector(await openWorkspace(opts.workspace), opts);
  for (const p of opts.paths.length > 0 ? opts.paths : ['.']) await c.named(p);

  const scripts: DiscoveredScript[] = [];
  for (const [rel, real] of [...c.candidates].sort(([a], [b]) => byPath({ path: a }, { path: b }))) {
    const read = await readScript(real, rel, opts.maxFileBytes);
    if (!read.ok) c.skip(rel, read.reason);
    else scripts.push({ path: rel, absPath: real, ...read.value });
  }
  const skipped = [...c.skipped].map(([path, reason]) => ({ path, reason })).sort(byPath);
  const omitted = c.omitted + Math.max(0, skipped.length - MAX_SKIPPED_REPORTED);
  return { scripts, skipped: skipped.slice(0, MAX_SKIPPED_REPORTED), skippedOmitted: omitted };
}
