import { createHash, hash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { VerificationError } from '../errors.js';
import { checkEntryLine, type EntryHead } from './canonical-line.js';
import type { Checkpoint } from './checkpoint.js';
import { MerkleRightEdge } from './merkle.js';
import { readLines } from './reader.js';
import { type Anchor, type LogLayout, listClosedSegments } from './segments.js';

/**
 * One streaming pass over a log (anchor, closed segments, active file), checking every
 * line's form, seq and link, and feeding the Merkle right edge. Shared by the verifier
 * and the writer (which refuses to append to a log that does not verify).
 *
 * The expected roots (`checkpoint`, `trusted`) are compared the moment the tree reaches
 * their size, so nothing but the O(log n) right edge is kept.
 */
export interface ScanExpectations {
  origin: string;
  anchor: Anchor | null;
  /** The log's own checkpoint: the root of its first `size` entries. */
  checkpoint?: Checkpoint | null;
  /** An older checkpoint kept elsewhere: the log must extend it. */
  trusted?: Checkpoint | null;
  /**
   * Called with each line once its form, seq and link are checked (the verdict cache
   * and the verifier's reuse check read entries this way: src/cache/). What it builds
   * may only be trusted once the whole scan has returned without throwing.
   */
  onEntry?: (head: EntryHead, line: Buffer, hash: string) => void;
}

export interface SegmentEnd {
  path: string;
  firstSeq: number;
  /** seq after the segment's last entry. */
  endSeq: number;
  lastTime: string | null;
  lastHash: string;
  edge: Buffer[];
}

export interface ScanResult {
  size: number;
  lastHash: string;
  tree: MerkleRightEdge;
  closed: SegmentEnd[];
  /** The active file: where its complete lines end, its torn tail, its first entry's time. */
  active: {
    exists: boolean;
    firstSeq: number;
    completeBytes: number;
    tornTail: Buffer | null;
    firstTime: string | null;
    lastTime: string | null;
  };
}

export function genesisHash(origin: string): string {
  return createHash('sha256').update(`${origin}\n`, 'utf8').digest('hex');
}

class ChainState {
  size: number;
  lastHash: string;
  tree: MerkleRightEdge;
  firstTime: string | null = null;
  lastTime: string | null = null;

  constructor(
    start: { size: number; lastHash: string; edge: Buffer[] },
    private readonly expect: ScanExpectations,
  ) {
    this.size = start.size;
    this.lastHash = start.lastHash;
    this.tree = new MerkleRightEdge(start.size, start.edge);
  }

  /** Checks one line. The hot path: ~3 SHA-256s and one byte scan of the line (or the full parse). */
  readonly onLine = (line: Buffer, withNewline: Buffer): void => {
    const seq = this.size;
    const entry = checkEntryLine(line, seq);
    if (entry.seq !== seq) {
      throw new VerificationError('AUDIT_SEQ_MISMATCH', `entry at index ${seq} says seq ${entry.seq}`, seq);
    }
    if (entry.prev !== this.lastHash) {
      throw new VerificationError(
        'AUDIT_CHAIN_BROKEN',
        seq === 0
          ? 'first entry does not link to this origin'
          : `entry ${seq}'s prev is not the hash of entry ${seq - 1} (one of the two was changed)`,
        seq,
      );
    }
    this.lastHash = hash('sha256', withNewline, 'hex');
    this.expect.onEntry?.(entry, line, this.lastHash);
    this.tree.push(line);
    this.size = seq + 1;
    this.firstTime ??= entry.time;
    this.lastTime = entry.time;
    this.checkRoots();
  };

  /** Compares the tree with each expected root when it reaches that root's size. */
  checkRoots(): void {
    const { trusted, checkpoint } = this.expect;
    if (trusted && trusted.size === this.size && !this.tree.root().equals(trusted.root)) {
      throw new VerificationError(
        'AUDIT_INCONSISTENT',
        `the first ${trusted.size} entries do not have the trusted checkpoint's root (history was rewritten or forked)`,
        trusted.size > 0 ? trusted.size - 1 : undefined,
      );
    }
    if (checkpoint && checkpoint.size === this.size && !this.tree.root().equals(checkpoint.root)) {
      throw new VerificationError(
        'AUDIT_ROOT_MISMATCH',
        `the Merkle root of the first ${checkpoint.size} entries is not the checkpoint's (entries were rewritten and re-linked)`,
      );
    }
  }
}

export async function scanLog(layout: LogLayout, expect: ScanExpectations): Promise<ScanResult> {
  const { anchor } = expect;
  const start = anchor
    ? {
        size: anchor.size,
        lastHash: anchor.lastHash,
        edge: anchor.rightEdge.map((h) => Buffer.from(h, 'hex')),
      }
    : { size: 0, lastHash: genesisHash(expect.origin), edge: [] };
  const state = new ChainState(start, expect);
  if (anchor) {
    if (expect.trusted && expect.trusted.size < anchor.size) {
      throw new VerificationError(
        'AUDIT_PRUNED',
        `entries below ${anchor.size} were pruned; the trusted checkpoint (size ${expect.trusted.size}) cannot be checked`,
      );
    }
    if (expect.checkpoint && expect.checkpoint.size < anchor.size) {
      throw new VerificationError('AUDIT_PRUNED', 'the checkpoint predates the pruning anchor');
    }
  }
  state.checkRoots();

  // Segments starting below the anchor are left over from an interrupted prune (the
  // anchor is always written at a segment's end): skip them.
  const segments = (await listClosedSegments(layout)).filter((s) => !anchor || s.firstSeq >= anchor.size);
  const closed: SegmentEnd[] = [];
  for (const seg of segments) {
    if (seg.firstSeq !== state.size) {
      throw new VerificationError(
        'AUDIT_SEGMENT_INVALID',
        `segment ${seg.path} starts at seq ${seg.firstSeq}, expected ${state.size} (a segment is missing or extra)`,
        state.size,
      );
    }
    state.lastTime = null;
    const r = await readLines(seg.path, state.onLine, { gzip: true, firstSeq: state.size });
    if (r.tail) {
      throw new VerificationError(
        'AUDIT_LINE_MALFORMED',
        'closed segment ends in a partial line',
        state.size,
      );
    }
    const snap = state.tree.snapshot();
    closed.push({
      path: seg.path,
      firstSeq: seg.firstSeq,
      endSeq: state.size,
      lastTime: state.lastTime,
      lastHash: state.lastHash,
      edge: snap.edge,
    });
  }

  const activeFirstSeq = state.size;
  state.firstTime = null;
  state.lastTime = null;
  let exists = true;
  try {
    const st = await lstat(layout.logPath);
    if (!st.isFile()) throw new VerificationError('AUDIT_IO', `${layout.logPath} is not a regular file`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    exists = false;
  }
  let completeBytes = 0;
  let tornTail: Buffer | null = null;
  if (exists) {
    const r = await readLines(layout.logPath, state.onLine, { firstSeq: state.size });
    completeBytes = r.completeBytes;
    tornTail = r.tail;
  }
  return {
    size: state.size,
    lastHash: state.lastHash,
    tree: state.tree,
    closed,
    active: {
      exists,
      firstSeq: activeFirstSeq,
      completeBytes,
      tornTail,
      firstTime: state.firstTime,
      lastTime: state.lastTime,
    },
  };
}

/** Where a writer's view of the log ends: the chain's tip and the active file's length. */
export interface ChainTip {
  size: number;
  lastHash: string;
  tree: MerkleRightEdge;
  /** Bytes of complete lines in the active file. */
  activeBytes: number;
}

/**
 * Continues a scan from `from` over what other writers appended to the active file
 * since: each new line is checked (form, seq, link) exactly as scanLog checks it, so
 * a writer that holds the lock only while it appends still links to the true tail.
 */
export async function scanAppended(
  layout: LogLayout,
  origin: string,
  from: ChainTip,
  checkpoint: Checkpoint | null,
): Promise<{ tip: ChainTip; tornTail: Buffer | null }> {
  const snap = from.tree.snapshot();
  const state = new ChainState(
    { size: from.size, lastHash: from.lastHash, edge: snap.edge },
    { origin, anchor: null, checkpoint },
  );
  const r = await readLines(layout.logPath, state.onLine, { firstSeq: from.size, start: from.activeBytes });
  return {
    tip: {
      size: state.size,
      lastHash: state.lastHash,
      tree: state.tree,
      activeBytes: from.activeBytes + r.completeBytes,
    },
    tornTail: r.tail,
  };
}
