import { createHash, hash } from 'node:crypto';
import { MAX_LINE_BYTES } from './canonical-line.js';

/**
 * RFC 6962 section 2.1 Merkle tree hashing, computed incrementally.
 *
 * - leaf hash  = SHA-256(0x00 || data)
 * - node hash  = SHA-256(0x01 || left || right)
 * - empty tree = SHA-256("")
 *
 * The tree over n leaves is kept as its "right edge": the roots of the perfect
 * subtrees that n's binary digits describe (one per 1-bit, largest first). Appending
 * a leaf merges equal-sized subtrees like a binary counter carries, so memory is
 * O(log n) and each append costs O(1) hashes amortised; the root folds the edge from
 * the right. This is the same state Go's sumdb/tlog and CT logs keep, and it is what a
 * pruning anchor records so later entries still verify without the pruned ones.
 */
// One-shot crypto.hash over a reused scratch buffer: the verifier hashes ~3 times per
// line, and a createHash object per hash costs more than the hashing of a short line.
// Inside the tree, digests are kept as 32-character latin1 strings: a Buffer per digest
// (the 'buffer' output) costs more than the SHA-256 itself (a native allocation and its
// finalizer), which made the tree the largest part of `verify`'s time per line.
const scratch = Buffer.allocUnsafe(MAX_LINE_BYTES + 1);

/** Digest as a 32-character latin1 string (one char per byte). */
type Digest = string;

function leafDigest(data: Uint8Array): Digest {
  if (data.length > MAX_LINE_BYTES) {
    return createHash('sha256')
      .update(Buffer.from([0x00]))
      .update(data)
      .digest('binary');
  }
  scratch[0] = 0x00;
  scratch.set(data, 1);
  return hash('sha256', scratch.subarray(0, data.length + 1), 'binary');
}

function nodeDigest(left: Digest, right: Digest): Digest {
  scratch[0] = 0x01;
  scratch.write(left, 1, 32, 'latin1');
  scratch.write(right, 33, 32, 'latin1');
  return hash('sha256', scratch.subarray(0, 65), 'binary');
}

const toDigest = (h: Uint8Array): Digest => Buffer.from(h).toString('latin1');
const fromDigest = (d: Digest): Buffer => Buffer.from(d, 'binary');

export function leafHash(data: Uint8Array): Buffer {
  return fromDigest(leafDigest(data));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32) throw new RangeError('node children must be 32 bytes');
  return fromDigest(nodeDigest(toDigest(left), toDigest(right)));
}

export const EMPTY_ROOT = createHash('sha256').digest();

/** Number of 1-bits of a non-negative safe integer: the right edge's length for that size. */
export function popcount(n: number): number {
  let count = 0;
  let rest = n;
  while (rest > 0) {
    count += rest % 2;
    rest = Math.floor(rest / 2);
  }
  return count;
}

export class MerkleRightEdge {
  /** Subtree roots, largest (leftmost) first. */
  private edge: Digest[];
  private count: number;

  constructor(size = 0, edge: Buffer[] = []) {
    if (!Number.isSafeInteger(size) || size < 0 || edge.length !== popcount(size)) {
      throw new RangeError('right edge does not match the tree size');
    }
    if (edge.some((h) => h.length !== 32)) throw new RangeError('right edge hashes must be 32 bytes');
    this.count = size;
    this.edge = edge.map(toDigest);
  }

  get size(): number {
    return this.count;
  }

  /** Appends a leaf by its data (the line without `\n`). */
  push(data: Uint8Array): void {
    this.pushDigest(leafDigest(data));
  }

  pushHash(leaf: Buffer): void {
    if (leaf.length !== 32) throw new RangeError('leaf hash must be 32 bytes');
    this.pushDigest(toDigest(leaf));
  }

  private pushDigest(leaf: Digest): void {
    let h = leaf;
    // Each trailing 1-bit of the old size is a full subtree of the same height as `h`
    // is becoming: merge, like a carry in binary addition.
    let n = this.count;
    while (n % 2 === 1) {
      h = nodeDigest(this.edge.pop()!, h);
      n = Math.floor(n / 2);
    }
    this.edge.push(h);
    this.count++;
  }

  root(): Buffer {
    if (this.edge.length === 0) return EMPTY_ROOT;
    let h = this.edge[this.edge.length - 1]!;
    for (let i = this.edge.length - 2; i >= 0; i--) h = nodeDigest(this.edge[i]!, h);
    return fromDigest(h);
  }

  /** A copy of the right edge, e.g. for a pruning anchor. */
  snapshot(): { size: number; edge: Buffer[] } {
    return { size: this.count, edge: this.edge.map(fromDigest) };
  }
}

/** Root over a whole list of leaf data: the reference the incremental form is tested against. */
export function rootOf(leaves: readonly Uint8Array[]): Buffer {
  const tree = new MerkleRightEdge();
  for (const l of leaves) tree.push(l);
  return tree.root();
}
