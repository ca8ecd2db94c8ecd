/**
 * RFC 6962 §2.1 Merkle trees (unchanged in RFC 9162 §2.1), parametrized by the hash function: SHA-256 for
 * the certificate log, SHA3-256 for the block header's transaction and receipt trees.
 *
 * Leaf and interior nodes are hashed with distinct prefixes (0x00, 0x01) so that no interior node can be
 * passed off as a leaf (second-preimage attack). Indices and sizes are JavaScript numbers limited to safe
 * integers; JavaScript shifts work on 32 bits, so index arithmetic is `% 2` and `/ 2` instead.
 *
 * Every failure, from a bad argument to a proof that does not verify, is a thrown `MerkleError`; callers
 * that verify untrusted proofs treat any `MerkleError` as "rejected" and may log its code.
 */
import { sha256, sha3_256 } from '../codec/hash.js';
import { concatBytes, equalBytes } from '../codec/hex.js';
import { LoopchainError } from '../errors.js';

export type MerkleErrorCode =
  | 'INVALID_ARGUMENT' // a size or index not a non-negative safe integer; a leaf hash of the wrong length
  | 'INDEX_OUT_OF_RANGE' // leafIndex >= treeSize, or a size beyond the leaves at hand
  | 'INVALID_SIZES' // consistency between sizes that admit no proof: size1 > size2, or size1 = 0
  | 'MALFORMED_PROOF' // too few or too many components, or a component or leaf hash of the wrong length
  | 'ROOT_MISMATCH' // well formed, but does not lead to the expected root(s)
  | 'MISSING_NODE' // cert log storage lacks a node its size says must exist: a broken invariant
  | 'CORRUPT_NODE'; // cert log storage holds a node of the wrong length, or two hashes for one node

export class MerkleError extends LoopchainError<MerkleErrorCode> {}

export type HashFunction = (data: Uint8Array) => Uint8Array;

/** Leaves [start, end) of a tree: each proof component is the Merkle Tree Hash of one such range. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  /** Sibling hashes from the leaf upwards (RFC 6962 §2.1.1 PATH order). */
  readonly proof: readonly Uint8Array[];
}

export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleError('INVALID_ARGUMENT', `${name} must be a non-negative safe integer`, {
      [name]: value,
    });
  }
}

const lsb = (x: number): boolean => x % 2 === 1;
const shr = (x: number): number => Math.floor(x / 2);

/** The k of RFC 6962 §2.1: the largest power of two smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * The ranges whose roots form the inclusion proof of `leafIndex` in a tree of `treeSize` leaves, leaf
 * side first: RFC 6962 §2.1.1 PATH(m, D[n]) unrolled into a loop. Shared by the in-memory generator and the
 * stored cert log so both produce the same proofs by construction.
 */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  checkCount(leafIndex, 'leafIndex');
  checkCount(treeSize, 'treeSize');
  if (leafIndex >= treeSize) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', 'leafIndex must be below treeSize', { leafIndex, treeSize });
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (leafIndex < start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
    }
  }
  return ranges.reverse();
}

/**
 * The ranges whose roots form the consistency proof from `size1` to `size2`, deepest first: RFC 6962
 * §2.1.2 SUBPROOF(m, D[n], true) unrolled. Requires 0 < size1 <= size2 (equal sizes give an empty proof).
 */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  checkSizes(size1, size2);
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size2;
  // `complete` is SUBPROOF's b: true while the range is still a prefix the old tree hash already covers.
  let complete = true;
  // Within D[start:end] the old tree has m = size1 - start leaves, so m == n exactly when size1 == end.
  while (size1 !== end) {
    const k = splitPoint(end - start);
    if (size1 - start <= k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      complete = false;
    }
  }
  if (!complete) ranges.push({ start, end });
  return ranges.reverse();
}

function checkSizes(size1: number, size2: number): void {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2) throw new MerkleError('INVALID_SIZES', 'size1 exceeds size2', { size1, size2 });
  // RFC 9162 §2.1.4 defines proofs for 0 < first only: every tree extends the empty one, so a "proof" from
  // size 0 proves nothing and accepting one would let a caller skip checking root1 altogether.
  if (size1 === 0) throw new MerkleError('INVALID_SIZES', 'no consistency proof from the empty tree', {});
}

export class MerkleHasher {
  readonly hashSize: number;
  private readonly empty: Uint8Array;

  constructor(private readonly hash: HashFunction) {
    this.empty = hash(new Uint8Array(0));
    this.hashSize = this.empty.length;
  }

  /** MTH({}) = HASH() (RFC 6962 §2.1). */
  emptyRoot(): Uint8Array {
    return this.empty.slice();
  }

  hashLeaf(data: Uint8Array): Uint8Array {
    return this.hash(concatBytes(LEAF_PREFIX, data));
  }

  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
    return this.hash(concatBytes(NODE_PREFIX, left, right));
  }

  /**
   * Combines the roots of consecutive perfect subtrees, largest (leftmost) first, into the root over them
   * all: RFC 6962 trees are exactly the right fold of their binary decomposition.
   */
  foldRight(hashes: readonly Uint8Array[]): Uint8Array {
    if (hashes.length === 0) return this.emptyRoot();
    let root = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) root = this.hashChildren(hashes[i]!, root);
    return root;
  }

  rootFromLeaves(leaves: readonly Uint8Array[]): Uint8Array {
    return this.rootFromLeafHashes(leaves.map((leaf) => this.hashLeaf(leaf)));
  }

  rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
    this.checkLeafHashes(leafHashes, leafHashes.length);
    return this.rangeRoot(leafHashes, { start: 0, end: leafHashes.length });
  }

  /** Proof that leafHashes[leafIndex] is in the tree of the first `treeSize` leaves. */
  inclusionProof(
    leafHashes: readonly Uint8Array[],
    leafIndex: number,
    treeSize = leafHashes.length,
  ): Uint8Array[] {
    const ranges = inclusionProofRanges(leafIndex, treeSize);
    this.checkLeafHashes(leafHashes, treeSize);
    return ranges.map((r) => this.rangeRoot(leafHashes, r));
  }

  /** Proof that the tree of the first `size1` leaves is a prefix of the tree of the first `size2`. */
  consistencyProof(
    leafHashes: readonly Uint8Array[],
    size1: number,
    size2 = leafHashes.length,
  ): Uint8Array[] {
    const ranges = consistencyProofRanges(size1, size2);
    this.checkLeafHashes(leafHashes, size2);
    return ranges.map((r) => this.rangeRoot(leafHashes, r));
  }

  /** RFC 9162 §2.1.3.2 steps 1-4 and the `sn` half of step 5: the root this proof leads to. */
  rootFromInclusionProof({ leafIndex, treeSize, leafHash, proof }: InclusionProof): Uint8Array {
    checkCount(leafIndex, 'leafIndex');
    checkCount(treeSize, 'treeSize');
    // Checked before the RFC steps: with an empty path a zero-length leaf hash would "match" an empty root.
    this.checkProofHashes([leafHash, ...proof]);
    // 1.
    if (leafIndex >= treeSize) {
      throw new MerkleError('INDEX_OUT_OF_RANGE', 'leafIndex must be below treeSize', {
        leafIndex,
        treeSize,
      });
    }
    // 2, 3.
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    // 4.
    for (const p of proof) {
      if (sn === 0) throw tooLong();
      if (lsb(fn) || fn === sn) {
        r = this.hashChildren(p, r);
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      } else {
        r = this.hashChildren(r, p);
      }
      fn = shr(fn);
      sn = shr(sn);
    }
    // 5 (first half).
    if (sn !== 0) throw tooShort();
    return r;
  }

  /** RFC 9162 §2.1.3.2. Throws a MerkleError unless the proof shows `leafHash` under `root`. */
  verifyInclusion(args: InclusionProof & { readonly root: Uint8Array }): void {
    // 5 (second half).
    if (!equalBytes(this.rootFromInclusionProof(args), args.root)) {
      throw new MerkleError('ROOT_MISMATCH', 'inclusion proof does not lead to the root', {});
    }
  }

  /** RFC 9162 §2.1.4.2. Throws a MerkleError unless the tree of size1 (root1) is a prefix of size2 (root2). */
  verifyConsistency({ size1, size2, root1, root2, proof }: ConsistencyProof): void {
    checkSizes(size1, size2);
    if (size1 === size2) {
      // A tree is consistent with itself and only the empty proof says so (PROOF(n, D[n]) = {}). Nothing
      // is hashed, so the roots are only compared (the published vectors accept any equal pair here).
      if (proof.length !== 0) throw tooLong();
      if (!equalBytes(root1, root2))
        throw new MerkleError('ROOT_MISMATCH', 'equal sizes, different roots', {});
      return;
    }
    this.checkProofHashes(proof);
    // 1.
    if (proof.length === 0) throw tooShort();
    // 2. A power-of-two old tree is itself a node of the new one; the proof omits it.
    const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
    // 3.
    let fn = size1 - 1;
    let sn = size2 - 1;
    // 4.
    while (lsb(fn)) {
      fn = shr(fn);
      sn = shr(sn);
    }
    // 5.
    let fr = path[0]!;
    let sr = path[0]!;
    // 6.
    for (const c of path.slice(1)) {
      if (sn === 0) throw tooLong();
      if (lsb(fn) || fn === sn) {
        fr = this.hashChildren(c, fr);
        sr = this.hashChildren(c, sr);
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      } else {
        sr = this.hashChildren(sr, c);
      }
      fn = shr(fn);
      sn = shr(sn);
    }
    // 7.
    if (sn !== 0) throw tooShort();
    if (!equalBytes(fr, root1)) throw new MerkleError('ROOT_MISMATCH', 'proof does not lead to root1', {});
    if (!equalBytes(sr, root2)) throw new MerkleError('ROOT_MISMATCH', 'proof does not lead to root2', {});
  }

  /** MTH(D[start:end]) from leaf hashes, in one pass keeping the frontier of perfect subtrees. */
  private rangeRoot(leafHashes: readonly Uint8Array[], { start, end }: LeafRange): Uint8Array {
    const frontier: { hash: Uint8Array; width: number }[] = [];
    for (let i = start; i < end; i++) {
      let hash = leafHashes[i]!;
      let width = 1;
      while (frontier.length > 0 && frontier[frontier.length - 1]!.width === width) {
        hash = this.hashChildren(frontier.pop()!.hash, hash);
        width *= 2;
      }
      frontier.push({ hash, width });
    }
    return this.foldRight(frontier.map((node) => node.hash));
  }

  private checkLeafHashes(leafHashes: readonly Uint8Array[], size: number): void {
    if (size > leafHashes.length) {
      throw new MerkleError('INDEX_OUT_OF_RANGE', 'tree size exceeds the leaves given', { size });
    }
    for (let i = 0; i < size; i++) {
      // Catches leaf data passed where leaf hashes are expected.
      if (leafHashes[i]!.length !== this.hashSize) {
        throw new MerkleError('INVALID_ARGUMENT', 'leaf hash has the wrong length', { index: i });
      }
    }
  }

  private checkProofHashes(hashes: readonly Uint8Array[]): void {
    if (hashes.some((h) => h.length !== this.hashSize)) {
      throw new MerkleError('MALFORMED_PROOF', `proof hashes must be ${this.hashSize} bytes`, {});
    }
  }
}

function tooLong(): MerkleError {
  return new MerkleError('MALFORMED_PROOF', 'proof has more components than the sizes allow', {});
}

function tooShort(): MerkleError {
  return new MerkleError('MALFORMED_PROOF', 'proof has fewer components than the sizes require', {});
}

/** The certificate log (RFC 6962 with SHA-256, as Certificate Transparency). */
export const certLogHasher = new MerkleHasher(sha256);

/** Block header trees: transactions, receipts (SHA3-256, the ICON hash). */
export const blockHasher = new MerkleHasher(sha3_256);
