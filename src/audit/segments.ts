import canonicalize from 'canonicalize';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VerificationError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { popcount } from './merkle.js';

/**
 * Where the pieces of one log live, all beside the log file F (`--audit-log F`):
 *
 *   F                     the active segment (plain JSON Lines, appended to)
 *   F.seg-<12 digits>.gz  closed segments, named by the seq of their first entry
 *   F.anchor.json         after pruning: the state at the prune point
 *   F.checkpoint          the checkpoint (signed, or unsigned without a key)
 *   F.lock                held by a writer for the moment it appends
 *   F.writer-<pid>        one per writer that has the log open (sessions.ts)
 *
 * The checkpoint is named after the log so that two logs in one directory never share
 * (and overwrite) one checkpoint. Logs written before that have `checkpoint` beside the
 * log (`legacyCheckpointPath`), which is still read when `F.checkpoint` is absent.
 */
export interface LogLayout {
  logPath: string;
  dir: string;
  base: string;
  checkpointPath: string;
  legacyCheckpointPath: string;
  anchorPath: string;
  lockPath: string;
}

export function layoutOf(logPath: string): LogLayout {
  const dir = dirname(logPath);
  const base = basename(logPath);
  return {
    logPath,
    dir,
    base,
    checkpointPath: `${logPath}.checkpoint`,
    legacyCheckpointPath: join(dir, 'checkpoint'),
    anchorPath: `${logPath}.anchor.json`,
    lockPath: `${logPath}.lock`,
  };
}

export interface ClosedSegment {
  path: string;
  firstSeq: number;
}

export function segmentPath(layout: LogLayout, firstSeq: number): string {
  return join(layout.dir, `${layout.base}.seg-${String(firstSeq).padStart(12, '0')}.gz`);
}

/** Closed segments in seq order. A symlink or a non-file under a segment name is refused. */
export async function listClosedSegments(layout: LogLayout): Promise<ClosedSegment[]> {
  const prefix = `${layout.base}.seg-`;
  let names: string[];
  try {
    names = await readdir(layout.dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ClosedSegment[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d{12})\.gz$/.exec(name.slice(prefix.length));
    if (!m) continue; // temp files of an interrupted rotation, handled by the writer
    const path = join(layout.dir, name);
    const st = await lstat(path);
    if (!st.isFile()) {
      throw new VerificationError('AUDIT_SEGMENT_INVALID', `${name} is not a regular file (symlink?)`);
    }
    out.push({ path, firstSeq: Number(m[1]) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * The pruning anchor: enough to go on verifying after older segments are deleted.
 * `rightEdge` (the Merkle tree's right edge at `size`) lets the root of later
 * checkpoints be computed; `lastHash` is what entry `size`'s `prev` must be. It needs no
 * signature of its own: a forged edge or hash cannot produce the root the next signed
 * checkpoint carries (that would need a SHA-256 second preimage).
 */
export interface Anchor {
  v: 1;
  origin: string;
  size: number;
  lastHash: string;
  rightEdge: string[];
  time: string;
}

const MAX_ANCHOR_BYTES = 64 * 1024;

export async function readAnchor(layout: LogLayout): Promise<Anchor | null> {
  let bytes: Buffer;
  try {
    const st = await lstat(layout.anchorPath);
    if (!st.isFile()) throw new VerificationError('AUDIT_SEGMENT_INVALID', 'anchor is not a regular file');
    if (st.size > MAX_ANCHOR_BYTES)
      throw new VerificationError('AUDIT_SEGMENT_INVALID', 'anchor is too large');
    bytes = await readFile(layout.anchorPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const bad = (why: string): never => {
    throw new VerificationError('AUDIT_SEGMENT_INVALID', `anchor: ${why}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    bad('not JSON');
  }
  if (canonicalize(value) !== bytes.toString('utf8')) bad('not canonical JSON');
  const a = value as Anchor;
  if (a.v !== 1 || typeof a.origin !== 'string') bad('unknown version or no origin');
  if (!Number.isSafeInteger(a.size) || a.size < 0) bad('bad size');
  if (typeof a.lastHash !== 'string' || !/^[0-9a-f]{64}$/.test(a.lastHash)) bad('bad lastHash');
  if (!Array.isArray(a.rightEdge) || a.rightEdge.length !== popcount(a.size))
    bad('right edge does not fit size');
  if (a.rightEdge.some((h) => typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h))) bad('bad right edge hash');
  return a;
}

export async function writeAnchor(layout: LogLayout, anchor: Anchor): Promise<void> {
  await writeFileAtomic(layout.anchorPath, canonicalize(anchor)!);
}
