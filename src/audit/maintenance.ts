import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { VerificationError } from '../errors.js';
import { syncDir } from './atomic-file.js';
import { parseEntryLine } from './canonical-line.js';
import { readLines, openNoFollow } from './reader.js';
import type { ScanResult, SegmentEnd } from './scan.js';
import { type LogLayout, listClosedSegments, segmentPath, writeAnchor } from './segments.js';

/**
 * Rotation, retention and crash recovery for the segment files. Called by the writer
 * while it holds the log's lock, before it appends anything.
 *
 * Each step is ordered so a crash between any two file operations leaves a state the
 * next run can recognise and finish:
 * - rotate: gzip the active file to a temp name, fsync, rename to its segment name,
 *   fsync the directory, THEN empty the active file. A crash in between leaves the same
 *   entries twice (segment + active): `recoverInterruptedRotation` sees the active file
 *   starting at the last segment's first seq with identical bytes and empties it.
 * - prune: write the anchor (atomic) first, then delete the segments below it. A crash
 *   in between leaves segments below the anchor, which the scan skips and the next
 *   prune deletes.
 */
export interface RotationOptions {
  /** Close the active segment once it reaches this many bytes. Default 16 MiB. */
  maxSegmentBytes?: number;
  /** Close the active segment once its first entry is this old. Default 7 days. */
  maxSegmentAgeMs?: number;
  /** Delete closed segments whose last entry is older than this. Default 30; 0 keeps all. */
  retentionDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_ROTATION: Required<RotationOptions> = {
  maxSegmentBytes: 16 * 1024 * 1024,
  maxSegmentAgeMs: 7 * DAY_MS,
  retentionDays: 30,
};

async function sha256OfLines(path: string, gzip: boolean): Promise<string> {
  const h = createHash('sha256');
  const r = await readLines(path, (line) => h.update(line).update('\n'), { gzip });
  if (r.tail) h.update(r.tail);
  return h.digest('hex');
}

async function firstLineSeq(path: string): Promise<number | null> {
  const fh = await openNoFollow(path);
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (nl < 0) return null;
    try {
      return parseEntryLine(buf.subarray(0, nl), -1).seq;
    } catch {
      return null; // the scan will name what is wrong with it
    }
  } finally {
    await fh.close();
  }
}

export async function truncateFile(path: string, length: number): Promise<void> {
  const fh = await openNoFollow(path, constants.O_WRONLY);
  try {
    await fh.truncate(length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Finishes a rotation that crashed after the segment was renamed into place. */
export async function recoverInterruptedRotation(layout: LogLayout): Promise<boolean> {
  const last = (await listClosedSegments(layout)).at(-1);
  if (!last) return false;
  const size = await stat(layout.logPath).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0 || (await firstLineSeq(layout.logPath)) !== last.firstSeq) return false;
  if ((await sha256OfLines(last.path, true)) !== (await sha256OfLines(layout.logPath, false))) {
    throw new VerificationError(
      'AUDIT_SEGMENT_INVALID',
      `${layout.logPath} and ${last.path} both start at seq ${last.firstSeq} but differ`,
      last.firstSeq,
    );
  }
  await truncateFile(layout.logPath, 0);
  return true;
}

export function rotationDue(scan: ScanResult, opts: Required<RotationOptions>, now: Date): boolean {
  const a = scan.active;
  if (!a.exists || a.completeBytes === 0) return false;
  if (a.completeBytes >= opts.maxSegmentBytes) return true;
  return a.firstTime !== null && now.getTime() - Date.parse(a.firstTime) >= opts.maxSegmentAgeMs;
}

/** Closes the active segment; returns its SegmentEnd (the state after its last entry). */
export async function rotate(layout: LogLayout, scan: ScanResult): Promise<SegmentEnd> {
  const target = segmentPath(layout, scan.active.firstSeq);
  const tmp = `${target}.${process.pid}.tmp`;
  const src = await openNoFollow(layout.logPath);
  // The streams own and close their files (a FileHandle with a live autoClose:false
  // stream never finishes closing); 'wx' is O_CREAT|O_EXCL, so nothing planted at the
  // temp name is written through.
  await pipeline(
    src.createReadStream({ start: 0, end: scan.active.completeBytes - 1, autoClose: true }),
    createGzip({ level: 9 }),
    createWriteStream(tmp, { flags: 'wx', mode: 0o644 }),
  );
  const written = await open(tmp, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    await written.sync();
  } finally {
    await written.close();
  }
  await rename(tmp, target);
  await syncDir(layout.dir);
  await truncateFile(layout.logPath, 0);
  const snap = scan.tree.snapshot();
  return {
    path: target,
    firstSeq: scan.active.firstSeq,
    endSeq: scan.size,
    lastTime: scan.active.lastTime,
    lastHash: scan.lastHash,
    edge: snap.edge,
  };
}

/**
 * Deletes the oldest closed segments whose last entry is older than the retention,
 * after recording the anchor at the end of the newest one deleted. Also deletes
 * segments an interrupted prune left below an existing anchor. Returns the anchor
 * size, or null when nothing was pruned.
 */
export async function pruneExpired(
  layout: LogLayout,
  origin: string,
  closed: SegmentEnd[],
  retentionDays: number,
  now: Date,
): Promise<{ prunedTo: number; segments: number } | null> {
  const expired: SegmentEnd[] = [];
  if (retentionDays > 0) {
    const cutoff = now.getTime() - retentionDays * DAY_MS;
    for (const seg of closed) {
      if (seg.lastTime === null || Date.parse(seg.lastTime) >= cutoff) break;
      expired.push(seg);
    }
  }
  const onDisk = await listClosedSegments(layout);
  const last = expired.at(-1);
  if (last) {
    await writeAnchor(layout, {
      v: 1,
      origin,
      size: last.endSeq,
      lastHash: last.lastHash,
      rightEdge: last.edge.map((h) => h.toString('hex')),
      time: now.toISOString(),
    });
  }
  // Everything starting below the first kept segment goes: the expired ones and any
  // leftovers of an earlier interrupted prune.
  const keepFrom = last
    ? (closed[expired.length]?.firstSeq ?? Number.POSITIVE_INFINITY)
    : (closed[0]?.firstSeq ?? Number.POSITIVE_INFINITY);
  const doomed = onDisk.filter((s) => s.firstSeq < keepFrom);
  for (const s of doomed) await unlink(s.path);
  if (doomed.length > 0) await syncDir(layout.dir);
  return last ? { prunedTo: last.endSeq, segments: expired.length } : null;
}
