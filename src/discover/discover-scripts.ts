import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { UserError } from '../errors.js';
import { isGatedName, type NotebookParts, notebookScript } from './notebook-script.js';
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
 * recursively) or globs; `.py` files and `.ipynb` notebooks become scripts (a
 * notebook as the script extracted from its code cells: notebook-script.ts). Hidden files are not
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
  /** SHA-256 (hex) of the file's bytes: `content`, or for a notebook the .ipynb file. */
  sha256: string;
  bytes: number;
  /**
   * What is staged, scanned and run: the bytes that were hashed, or for a notebook
   * the script extracted from exactly those bytes. Never re-read from the path.
   */
  content: Buffer;
  /** Set for an `.ipynb`: where its script is staged and how findings map back. */
  notebook?: NotebookParts;
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
  /**
   * Python files (or folders that may hold them) that were selected but could not be
   * gated: a name that is not valid UTF-8, a file that vanished or changed while read.
   * Also in `skipped`. They fail the gate when failOn has `ungated` (the default).
   */
  ungated: Skipped[];
  /** All of them, also beyond the listed MAX_SKIPPED_REPORTED. */
  ungatedCount: number;
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
  readonly ungated = new Map<string, string>(); // rel -> reason, bounded like skipped
  ungatedCount = 0;
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

  /** A Python file (or a folder that may hold some) selected for the gate that cannot be gated. */
  cannotGate(rel: string, reason: string): void {
    if (!this.ungated.has(rel)) {
      this.ungatedCount++;
      if (this.ungated.size < MAX_SKIPPED_KEPT) this.ungated.set(rel, reason);
    }
    this.skip(rel, reason);
  }

  /** Whether `rel` (a file, or a folder when `dir`) is among the files the gate covers. */
  selected(rel: string, dir = false): boolean {
    if (!this.changed) return true;
    return dir ? [...this.changed].some((c) => c.startsWith(`${rel}/`)) : this.changed.has(rel);
  }

  /** A regular file inside the workspace: a script if it is `.py` (and changed, when filtering). */
  addFile(rel: string, real: string): void {
    if (!isGatedName(rel)) {
      this.skip(rel, 'not a Python file (.py) or notebook (.ipynb)');
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
      const reason = rel.includes('\uFFFD')
        ? 'file name is not valid UTF-8 (cannot be addressed safely; rename it)'
        : 'vanished while being listed';
      // A Python file that cannot be read cannot be gated: that fails the gate (failOn `ungated`).
      return isGatedName(rel) && this.selected(rel) ? this.cannotGate(rel, reason) : this.skip(rel, reason);
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
    // Names that are not valid UTF-8 come back with U+FFFD and cannot be opened by that
    // name: a folder like that is not walked into, so its Python files would vanish
    // silently. Listing such names too (the type comes from readdir) makes them visible.
    for await (const raw of fg.stream(['**/*.py', '**/*.ipynb', '**/*\uFFFD*'], {
      ...FG_OPTIONS,
      cwd: dirReal,
      objectMode: true,
    })) {
      const entry = raw as unknown as { path: string; dirent: { isDirectory(): boolean } };
      const sub = entry.path;
      const rel = base ? `${base}/${sub}` : sub;
      if (sub.includes('\uFFFD') && entry.dirent.isDirectory()) {
        const reason =
          'folder name is not valid UTF-8: the Python files in it cannot be addressed, so they cannot be gated (rename it)';
        if (this.selected(rel, true)) this.cannotGate(`${rel}/`, reason);
        else this.skip(`${rel}/`, reason);
        continue;
      }
      if (!isGatedName(sub)) continue;
      await this.addFound(rel, join(dirReal, sub), false);
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

const isNotebook = (rel: string) => rel.endsWith('.ipynb');

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
    if (!read.ok) c.cannotGate(rel, read.reason);
    else if (!isNotebook(rel)) scripts.push({ path: rel, absPath: real, ...read.value });
    else {
      // A notebook that cannot be read as one is not gated: that fails the gate (ungated).
      const nb = await notebookScript(rel, read.value.content, c.ws.real, (p) => c.candidates.has(p));
      if (!nb.ok) c.cannotGate(rel, nb.reason);
      else scripts.push({ path: rel, absPath: real, ...read.value, content: nb.code, notebook: nb.notebook });
    }
  }
  const skipped = [...c.skipped].map(([path, reason]) => ({ path, reason })).sort(byPath);
  const omitted = c.omitted + Math.max(0, skipped.length - MAX_SKIPPED_REPORTED);
  const ungated = [...c.ungated].map(([path, reason]) => ({ path, reason })).sort(byPath);
  return {
    scripts,
    skipped: skipped.slice(0, MAX_SKIPPED_REPORTED),
    skippedOmitted: omitted,
    ungated: ungated.slice(0, MAX_SKIPPED_REPORTED),
    ungatedCount: c.ungatedCount,
  };
}
