import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, MerkleRightEdge, leafHash, nodeHash, rootOf } from '../../../src/audit/merkle.js';

// RFC 6962 test vectors as published by certificate-transparency-go (merkle tree
// tests) and transparency-dev/merkle: the 8 reference leaves and the root after each.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** RFC 6962 2.1, literally: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1)
    return createHash('sha256')
      .update(Buffer.from([0]))
      .update(leaves[0]!)
      .digest();
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(referenceRoot(leaves.slice(0, k)))
    .update(referenceRoot(leaves.slice(k)))
    .digest();
}

describe('RFC 6962 Merkle tree hash', () => {
  it('matches the published roots for sizes 0..8', () => {
    for (let n = 0; n <= 8; n++)
      expect(rootOf(LEAVES.slice(0, n)).toString('hex'), `size ${n}`).toBe(ROOTS[n]);
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
  });

  it('uses the 0x00 leaf and 0x01 node prefixes', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(ROOTS[1]);
    expect(nodeHash(leafHash(LEAVES[0]!), leafHash(LEAVES[1]!)).toString('hex')).toBe(ROOTS[2]);
  });

  it('the incremental right edge equals the recursive definition for every size up to 300', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => Buffer.from(`leaf ${i}`));
    const tree = new MerkleRightEdge();
    for (let n = 1; n <= leaves.length; n++) {
      tree.push(leaves[n - 1]!);
      expect(tree.root().equals(referenceRoot(leaves.slice(0, n))), `size ${n}`).toBe(true);
    }
  });

  it('a tree restored from a snapshot of its right edge goes on exactly as the original', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 60 }), (cut, more) => {
        const leaves = Array.from({ length: cut + more }, (_, i) => Buffer.from([i & 255, i >> 8]));
        const a = new MerkleRightEdge();
        for (const l of leaves.slice(0, cut)) a.push(l);
        const snap = a.snapshot();
        const b = new MerkleRightEdge(snap.size, snap.edge);
        for (const l of leaves.slice(cut)) {
          a.push(l);
          b.push(l);
        }
        return b.root().equals(referenceRoot(leaves)) && a.root().equals(b.root());
      }),
    );
  });

  it('refuses a right edge that does not fit the size', () => {
    expect(() => new MerkleRightEdge(3, [EMPTY_ROOT])).toThrow(RangeError);
    expect(() => new MerkleRightEdge(2, [Buffer.alloc(31)])).toThrow(RangeError);
  });
});
