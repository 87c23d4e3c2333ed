import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readlink, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fg from 'fast-glob';
import { quoteRef } from '../policy/describe-issue.js';
import {
  insideRelative,
  openWorkspace,
  realInside,
  relativePattern,
  type Workspace,
} from '../discover/workspace-paths.js';
import { UserError } from '../errors.js';
import { isPythonSource, MAGIC_BYTES, refusedContentReason, refusedFileReason } from './stage-rules.js';
import { executableMembers, zipMembers } from './zip-members.js';

/**
 * The policy's `data:` inputs (docs/policy.md, "data"): the workspace files its globs
 * match, copied once per gate into a private folder that mirrors their workspace paths,
 * each hashed (SHA-256) from the bytes copied. The sandbox mounts that copy read-only
 * (src/gate/data-layout.ts); the audit's run.start entry and the report list the set.
 *
 * ATTACKER-CONTROLLED INPUT: the workspace is a pull request's checkout, and on a push
 * the policy naming the globs is too. So:
 * - a pattern that leaves the workspace (`..`, absolute) is refused before any walk;
 * - no link is followed while walking; a match that is a link, or lies below a linked
 *   folder, is followed only to a regular file inside the workspace and outside any
 *   hidden folder (`data/x.csv -> ../.git/config` is inside, and refused); a link out is
 *   an error, said without its target;
 * - FIFOs, sockets and devices are refused (a FIFO would hang the copy, a device is the
 *   host's); each file is opened with O_NOFOLLOW and its descriptor's real path checked;
 * - data is never code: Python sources, bytecode, `.pth`, native libraries (by name or
 *   magic) and zip archives holding code are refused, because a script one
 *   `sys.path.insert` away would run them with no scanner having read them;
 * - the count, total size and path length are capped, with errors that name the policy
 *   file, the field and the limit.
 * Never copied from the live workspace into the sandbox: the bytes hashed are the bytes
 * the scripts read.
 */

export interface DataFile {
  /** Workspace-relative, forward slashes: where the scripts find it. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface DataLimits {
  /** limits.maxDataFiles */
  maxFiles: number;
  /** limits.maxDataBytes */
  maxBytes: number;
}

/** Bounds the audit entry that lists every file (MAX_DATA_FILES x this < its 1 MiB line). */
export const MAX_DATA_PATH_BYTES = 512;

const FG_OPTIONS = { dot: false, followSymbolicLinks: false, onlyFiles: false, unique: true } as const;

export interface Where {
  /** The policy file as the report names it. */
  policy: string;
}

const hidden = (rel: string) => rel.split('/').some((seg) => seg.startsWith('.'));

function problem(
  code: 'PATH_INVALID' | 'PATH_OUTSIDE_WORKSPACE',
  w: Where,
  pattern: string,
  rel: string,
  why: string,
) {
  return new UserError(
    code,
    `policy ${w.policy}: data: ${quoteRef(pattern)} matches ${quoteRef(rel)}, ${why}`,
  );
}

/**
 * `files`: workspace-relative path -> real path of every regular file the patterns
 * match, in code-unit order; `unmatched`: the patterns that matched none (a typo is not
 * a security problem, and the script that needs the file fails visibly: a notice).
 * Throws UserError for a match that may not be data.
 */
export async function findDataFiles(
  workspace: string,
  patterns: readonly string[],
  limits: DataLimits,
  where: Where,
): Promise<{ files: Map<string, string>; unmatched: string[] }> {
  const ws = await openWorkspace(workspace);
  const found = new Map<string, string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    let matched = 0;
    const rel0 = relativeDataPattern(ws, pattern, where);
    for await (const entry of fg.stream(rel0, { ...FG_OPTIONS, cwd: ws.real })) {
      const rel = String(entry);
      const real = await matchedFile(ws, pattern, rel, where);
      if (real === null) continue;
      matched++;
      found.set(rel, real);
      if (found.size > limits.maxFiles) {
        throw new UserError(
          'DISCOVERY_LIMIT',
          `policy ${where.policy}: data: the globs match more than ${limits.maxFiles} files (limits.maxDataFiles); narrow the globs or raise limits.maxDataFiles`,
        );
      }
    }
    if (matched === 0) unmatched.push(pattern);
  }
  const files = new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { files, unmatched };
}

function relativeDataPattern(ws: Workspace, pattern: string, where: Where): string {
  // The schema refuses these too: `{x,..}` and `\.\.` would expand to `..` inside fast-glob.
  if (pattern.startsWith('!') || pattern.includes('\\') || /\{[^{}]*\.\.[^{}]*\}/.test(pattern)) {
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `policy ${where.policy}: data: ${quoteRef(pattern)} may reach outside the workspace (no "!", "\\" or ".." in braces)`,
    );
  }
  try {
    return relativePattern(ws, pattern);
  } catch (e) {
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `policy ${where.policy}: data: ${quoteRef(pattern)} reaches outside the workspace (expected a workspace-relative glob, no "..")`,
      { cause: e },
    );
  }
}

/** The real path of a match that is data, null for a folder (walked by the glob), else throws. */
async function matchedFile(ws: Workspace, pattern: string, rel: string, w: Where): Promise<string | null> {
  const abs = join(ws.real, rel);
  const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
  if (!st)
    throw problem(
      'PATH_INVALID',
      w,
      pattern,
      rel,
      'which cannot be read again by its name (not valid UTF-8, or removed): rename it',
    );
  if (hidden(rel)) throw problem('PATH_INVALID', w, pattern, rel, 'a hidden file: never mounted');
  // Every component resolved: a link (or a match below a linked folder) must stay inside.
  const inside = await realInside(ws, abs).catch(() => null);
  if (!inside) {
    // Named by the link the checkout holds, never by what lies beyond it: below a linked
    // folder (`ext -> ~/.ssh`) the match's own name is a file outside (`ext/id_rsa`).
    throw problem(
      'PATH_OUTSIDE_WORKSPACE',
      w,
      pattern,
      await linkOut(ws, rel),
      'a symbolic link leading outside the workspace (or nowhere): data is never read through a link out of it',
    );
  }
  if (hidden(inside.rel))
    throw problem('PATH_INVALID', w, pattern, rel, 'a link to a hidden file: never mounted');
  const target = st.isSymbolicLink() ? await stat(inside.real) : st;
  if (target.isDirectory()) return null;
  if (!target.isFile()) {
    throw problem(
      'PATH_INVALID',
      w,
      pattern,
      rel,
      'not a regular file (a FIFO, socket or device): data must be regular files',
    );
  }
  if (Buffer.byteLength(rel) > MAX_DATA_PATH_BYTES) {
    throw problem(
      'PATH_INVALID',
      w,
      pattern,
      rel,
      `a path longer than ${MAX_DATA_PATH_BYTES} bytes: rename it`,
    );
  }
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const code = refusedFileReason(name) ?? (isPythonSource(name) ? 'Python source' : undefined);
  if (code)
    throw problem(
      'PATH_INVALID',
      w,
      pattern,
      rel,
      `${code}: data is never code (no scanner reads it); narrow the glob`,
    );
  return inside.real;
}

/** The first component of `rel` that leads out of the workspace: a name the checkout itself holds. */
async function linkOut(ws: Workspace, rel: string): Promise<string> {
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if ((await realInside(ws, join(ws.real, prefix)).catch(() => null)) === null) return prefix;
  }
  return rel;
}

/**
 * Copies the files `findDataFiles` returned into `into` (an empty folder) at their
 * workspace paths, read-only (0444, folders 0755), hashing the bytes copied. Throws
 * when the total passes limits.maxDataBytes, or a file is code by its content.
 */
export async function copyDataFiles(
  workspace: string,
  files: ReadonlyMap<string, string>,
  into: string,
  limits: DataLimits,
  where: Where,
): Promise<DataFile[]> {
  const ws = await openWorkspace(workspace);
  const out: DataFile[] = [];
  let total = 0;
  const overBudget = () =>
    new UserError(
      'DISCOVERY_LIMIT',
      `policy ${where.policy}: data: the matched files hold more than ${limits.maxBytes} bytes (limits.maxDataBytes); narrow the globs or raise limits.maxDataBytes`,
    );
  for (const [rel, real] of files) {
    const fh = await openDataFile(ws, rel, real, where);
    try {
      const info = await fh.stat();
      if (total + info.size > limits.maxBytes) throw overBudget();
      await refuseCode(fh, info.size, rel, where);
      const dest = join(into, rel);
      await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
      const hash = createHash('sha256');
      let bytes = 0;
      const w = await open(dest, 'wx', 0o444);
      try {
        // Read to the file's end as it is now: one that grows past the budget is refused.
        for await (const chunk of fh.createReadStream({ autoClose: false, start: 0 })) {
          const buf = chunk as Buffer;
          bytes += buf.length;
          if (total + bytes > limits.maxBytes) throw overBudget();
          hash.update(buf);
          await w.write(buf);
        }
      } finally {
        await w.close();
      }
      total += bytes;
      out.push({ path: rel, bytes, sha256: hash.digest('hex') });
    } finally {
      await fh.close();
    }
  }
  return out;
}

/** Opens without following a last-component link; the descriptor's own path must be `real`. */
async function openDataFile(ws: Workspace, rel: string, real: string, w: Where): Promise<FileHandle> {
  // O_NONBLOCK: a FIFO swapped in since the match must not hang the gate in open().
  const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e) => {
    throw new UserError(
      'PATH_INVALID',
      `policy ${w.policy}: data: ${quoteRef(rel)} cannot be opened (${(e as NodeJS.ErrnoException).code})`,
    );
  });
  const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => real);
  const rest = insideRelative(ws.real, opened);
  if (rest === null || hidden(rest) || !(await fh.stat()).isFile()) {
    await fh.close();
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `policy ${w.policy}: data: ${quoteRef(rel)} changed while it was read (now a link out of the workspace or not a regular file)`,
    );
  }
  return fh;
}

/** Native code under a data name, or a zip holding code: refused like the stage refuses it. */
async function refuseCode(fh: FileHandle, size: number, rel: string, w: Where): Promise<void> {
  const head = Buffer.alloc(MAGIC_BYTES);
  const { bytesRead } = await fh.read(head, 0, MAGIC_BYTES, 0);
  const native = refusedContentReason(head.subarray(0, bytesRead));
  const zip = await zipMembers(fh, size);
  const why =
    native ??
    (zip.zip && 'unreadable' in zip ? `${zip.unreadable}: zipimport could run code from it` : undefined) ??
    (zip.zip && 'names' in zip && executableMembers(zip.names).length
      ? 'a zip archive holding code: zipimport could run it'
      : undefined);
  if (why)
    throw new UserError(
      'PATH_INVALID',
      `policy ${w.policy}: data: ${quoteRef(rel)}: ${why}; data is never code`,
    );
}
