import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { lstat, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { hostResourceError } from '../host-error.js';
import type { Artifact } from '../report/types.js';

/**
 * Extracts the regular files of a tar stream that came out of the sandbox.
 *
 * ATTACKER-CONTROLLED INPUT: the names, types and contents were chosen by the script.
 * So: only regular files and directories; symlinks, hard links, devices and FIFOs are
 * refused (a link could point the next write, or a later reader, outside the output
 * directory); names that are absolute, contain `..`, empty or control characters are
 * refused; each file is created with O_EXCL|O_NOFOLLOW under directories we created
 * ourselves; at most `maxFiles` files and `maxBytes` bytes are written.
 *
 * The host's own failures are not the script's: a write that fails for lack of disk,
 * quota or file descriptors removes its partial file and throws a typed HOST_* UserError
 * (src/host-error.ts), instead of listing the entry as refused under a run that succeeded.
 */
export interface ExtractLimits {
  maxFiles: number;
  maxBytes: number;
}

export interface ExtractResult {
  artifacts: Artifact[];
  /** A limit was hit, or the stream ended early / was malformed. */
  truncated: boolean;
  /** Entries not extracted, with why (`name: reason`). */
  refused: string[];
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return (nul === -1 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number | null {
  // A leading 0x80 byte is GNU base-256: only needed beyond 8 GiB, far over any cap.
  if ((header[offset] ?? 0) & 0x80) return null;
  const text = field(header, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) return null;
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const want = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return want === sum;
}

/** Pax extended header records: `LEN key=value\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number.parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** The safe relative path for an entry name, or a reason to refuse it. */
export function safeRelativePath(name: string): { path: string } | { refused: string } {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  n = n.replace(/\/+$/, '');
  if (n === '' || n === '.') return { path: '' };
  if (n.startsWith('/')) return { refused: 'absolute path' };
  // eslint-style control character check: names end up in reports and terminals.
  if (/[\u0000-\u001f\u007f]/.test(n)) return { refused: 'control character in name' };
  const parts = n.split('/');
  if (parts.some((p) => p === '..')) return { refused: 'path contains ..' };
  if (parts.some((p) => p === '' || p === '.')) return { refused: 'empty path segment' };
  if (n.length > 1024) return { refused: 'name too long' };
  return { path: parts.join('/') };
}

/** mkdir -p below root, refusing any existing component that is not a real directory. */
async function ensureDirs(root: string, rel: string): Promise<void> {
  let cur = root;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    try {
      const st = await lstat(cur);
      if (!st.isDirectory()) throw new Error(`${cur} exists and is not a directory`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(cur, { mode: 0o755 });
    }
  }
}

async function writeExclusive(file: string, data: Buffer): Promise<void> {
  // O_EXCL|O_NOFOLLOW: never overwrite, never write through a link.
  const fh = await open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(data);
  } catch (e) {
    // A short file (the disk filled part-way) must not stay looking like the artifact.
    await fh.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
    throw e;
  }
  await fh.close();
}

export async function extractTar(
  stream: Buffer,
  dest: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  const result: ExtractResult = { artifacts: [], truncated: false, refused: [] };
  await mkdir(dest, { recursive: true });
  const root = path.resolve(dest);
  let totalBytes = 0;
  let pos = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  while (true) {
    if (pos + BLOCK > stream.length) {
      result.truncated = true; // ended without the two zero blocks: cut off by the cap
      break;
    }
    const header = stream.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) {
      result.truncated = true;
      result.refused.push('(stream): bad tar header checksum, stopped');
      break;
    }
    const size = octal(header, 124, 12);
    if (size === null) {
      result.truncated = true;
      result.refused.push('(stream): unreadable entry size, stopped');
      break;
    }
    const dataStart = pos + BLOCK;
    const dataEnd = dataStart + size;
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(header[156] ?? 0);
    if (dataEnd > stream.length) {
      result.truncated = true;
      break;
    }
    const data = stream.subarray(dataStart, dataEnd);
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing we use
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    const prefix = field(header, 345, 155);
    const rawName =
      pax.path ?? longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    pax = {};
    longName = undefined;
    const safe = safeRelativePath(rawName);
    const shown = JSON.stringify(rawName.slice(0, 200));
    if ('refused' in safe) {
      result.refused.push(`${shown}: ${safe.refused}`);
      continue;
    }
    if (type === '5') {
      if (safe.path)
        await ensureDirs(root, safe.path).catch((e: Error) => {
          const typed = hostResourceError(e);
          if (typed) throw typed;
          result.refused.push(`${shown}: ${e.message}`);
        });
      continue;
    }
    if (type !== '0' && type !== '\0' && type !== '7') {
      const kinds: Record<string, string> = {
        '1': 'hard link',
        '2': 'symlink',
        '3': 'device',
        '4': 'device',
        '6': 'fifo',
      };
      result.refused.push(`${shown}: ${kinds[type] ?? `entry type ${JSON.stringify(type)}`} not allowed`);
      continue;
    }
    if (safe.path === '') continue;
    if (result.artifacts.length >= limits.maxFiles || totalBytes + size > limits.maxBytes) {
      result.truncated = true;
      continue;
    }
    try {
      await ensureDirs(root, path.posix.dirname(safe.path) === '.' ? '' : path.posix.dirname(safe.path));
      await writeExclusive(path.join(root, safe.path), data);
    } catch (e) {
      // The host out of disk, quota or descriptors is not this entry's fault: the run
      // cannot be recorded honestly, so the error goes up (a typed HOST_* error).
      const typed = hostResourceError(e, `artifact ${JSON.stringify(safe.path)}`);
      if (typed) throw typed;
      result.refused.push(`${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    totalBytes += size;
    result.artifacts.push({
      path: safe.path,
      bytes: size,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  }
  return result;
}
