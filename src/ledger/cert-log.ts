/**
 * The certificate log: an append-only RFC 6962 tree (SHA-256 by default) kept in storage.
 *
 * Only nodes of perfect subtrees are stored, addressed by (level, index): the node covers leaves
 * [index·2^level, (index+1)·2^level) and level 0 holds the leaf hashes. Such a node never changes once its
 * last leaf is in, so storage is write-once, and the root or any proof component of any past size is the
 * right fold of at most ~log2(n) of them. Appending needs only the right frontier of the current tree (one
 * node per set bit of the size), never a rescan.
 *
 * These functions only read through a `NodeReader`; persisting `AppendResult.nodes` is the caller's effect.
 */
import { equalBytes } from '../codec/hex.js';
import {
  certLogHasher,
  checkCount,
  consistencyProofRanges,
  inclusionProofRanges,
  MerkleError,
  type LeafRange,
  type MerkleHasher,
} from './merkle.js';

/** Reads a stored perfect-subtree node; undefined when storage does not have it. */
export type NodeReader = (level: number, index: number) => Promise<Uint8Array | undefined>;

/**
 * The same, synchronously (e.g. over SCORE state inside applyBlock). The algorithms below are written once,
 * over a sync reader; each async function reads the nodes it needs first (concurrently), then runs its sync twin.
 */
export type SyncNodeReader = (level: number, index: number) => Uint8Array | undefined;

export interface NodeAddress {
  readonly level: number;
  readonly index: number;
}

export interface LogNode extends NodeAddress {
  readonly hash: Uint8Array;
}

export interface AppendResult {
  readonly size: number;
  readonly root: Uint8Array;
  /** Every node completed by this append, leaves included, in the order they were completed. */
  readonly nodes: readonly LogNode[];
}

/**
 * The perfect subtrees covering leaves [start, end), left to right, taking the widest aligned one each
 * time. For the ranges RFC 6962 recursion produces (start is a multiple of a power of two >= end - start)
 * this is the binary decomposition of the range, so their right fold is MTH(D[start:end]).
 */
export function perfectCover({ start, end }: LeafRange): NodeAddress[] {
  const cover: NodeAddress[] = [];
  while (start < end) {
    let level = 0;
    let width = 1;
    while (start % (width * 2) === 0 && start + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    cover.push({ level, index: start / width });
    start += width;
  }
  return cover;
}

function readNode(read: SyncNodeReader, { level, index }: NodeAddress, hasher: MerkleHasher): Uint8Array {
  const hash = read(level, index);
  if (hash === undefined) {
    throw new MerkleError('MISSING_NODE', `cert log node (${level}, ${index}) is missing`, { level, index });
  }
  if (hash.length !== hasher.hashSize) {
    throw new MerkleError('CORRUPT_NODE', `cert log node (${level}, ${index}) has the wrong length`, {
      level,
      index,
    });
  }
  return hash;
}

/** Reads the given nodes concurrently and serves them to a sync algorithm (absent ones stay absent). */
async function prefetch(read: NodeReader, addresses: readonly NodeAddress[]): Promise<SyncNodeReader> {
  const hashes = await Promise.all(addresses.map(({ level, index }) => read(level, index)));
  const byAddress = new Map<string, Uint8Array | undefined>();
  addresses.forEach(({ level, index }, i) => byAddress.set(`${level}/${index}`, hashes[i]));
  return (level, index) => byAddress.get(`${level}/${index}`);
}

/** Folds each range into its root from the nodes of its perfect cover. */
function rangeRootsSync(
  read: SyncNodeReader,
  ranges: readonly LeafRange[],
  hasher: MerkleHasher,
): Uint8Array[] {
  return ranges.map((range) => hasher.foldRight(perfectCover(range).map((a) => readNode(read, a, hasher))));
}

async function rangeRoots(
  read: NodeReader,
  ranges: readonly LeafRange[],
  hasher: MerkleHasher,
): Promise<Uint8Array[]> {
  return rangeRootsSync(await prefetch(read, ranges.flatMap(perfectCover)), ranges, hasher);
}

/** Checks the arguments of an append and returns the frontier it reads. */
function appendFrontier(
  size: number,
  leafHashes: readonly Uint8Array[],
  hasher: MerkleHasher,
): NodeAddress[] {
  checkCount(size, 'size');
  checkCount(size + leafHashes.length, 'new size');
  leafHashes.forEach((leafHash, i) => {
    if (leafHash.length !== hasher.hashSize) {
      throw new MerkleError('INVALID_ARGUMENT', 'leaf hash has the wrong length', { index: i });
    }
  });
  return perfectCover({ start: 0, end: size });
}

/** appendLeafHashes over a sync reader. */
export function appendLeafHashesSync(
  read: SyncNodeReader,
  size: number,
  leafHashes: readonly Uint8Array[],
  hasher: MerkleHasher = certLogHasher,
): AppendResult {
  const frontier = appendFrontier(size, leafHashes, hasher).map((a) => ({
    level: a.level,
    hash: readNode(read, a, hasher),
  }));
  const nodes: LogNode[] = [];
  let n = size;
  for (const leafHash of leafHashes) {
    nodes.push({ level: 0, index: n, hash: leafHash });
    n += 1;
    let level = 0;
    let hash = leafHash;
    // Equal-level neighbours on the frontier merge like a binary counter's carry; each merge completes a
    // perfect subtree, which ends exactly at leaf n, hence its index.
    while (frontier.length > 0 && frontier[frontier.length - 1]!.level === level) {
      hash = hasher.hashChildren(frontier.pop()!.hash, hash);
      level += 1;
      nodes.push({ level, index: n / 2 ** level - 1, hash });
    }
    frontier.push({ level, hash });
  }
  return { size: n, root: hasher.foldRight(frontier.map((f) => f.hash)), nodes };
}

/**
 * Appends leaves to a log of `size` leaves whose nodes `read` returns. Pure apart from the reads: the
 * caller persists `nodes` (and the new size) atomically, then the log has `size + leafHashes.length` leaves.
 */
export async function appendLeafHashes(
  read: NodeReader,
  size: number,
  leafHashes: readonly Uint8Array[],
  hasher: MerkleHasher = certLogHasher,
): Promise<AppendResult> {
  const reader = await prefetch(read, appendFrontier(size, leafHashes, hasher));
  return appendLeafHashesSync(reader, size, leafHashes, hasher);
}

/** logRoot over a sync reader. */
export function logRootSync(
  read: SyncNodeReader,
  size: number,
  hasher: MerkleHasher = certLogHasher,
): Uint8Array {
  checkCount(size, 'size');
  return rangeRootsSync(read, [{ start: 0, end: size }], hasher)[0]!;
}

/** The log's root when it had `size` leaves (MTH(D[0:size])). */
export async function logRoot(
  read: NodeReader,
  size: number,
  hasher: MerkleHasher = certLogHasher,
): Promise<Uint8Array> {
  checkCount(size, 'size');
  const [root] = await rangeRoots(read, [{ start: 0, end: size }], hasher);
  return root!;
}

/** logInclusionProof over a sync reader. */
export function logInclusionProofSync(
  read: SyncNodeReader,
  leafIndex: number,
  treeSize: number,
  hasher: MerkleHasher = certLogHasher,
): Uint8Array[] {
  return rangeRootsSync(read, inclusionProofRanges(leafIndex, treeSize), hasher);
}

/** RFC 6962 inclusion proof of leaf `leafIndex` in the tree of `treeSize` leaves. */
export async function logInclusionProof(
  read: NodeReader,
  leafIndex: number,
  treeSize: number,
  hasher: MerkleHasher = certLogHasher,
): Promise<Uint8Array[]> {
  return rangeRoots(read, inclusionProofRanges(leafIndex, treeSize), hasher);
}

/** logConsistencyProof over a sync reader. */
export function logConsistencyProofSync(
  read: SyncNodeReader,
  size1: number,
  size2: number,
  hasher: MerkleHasher = certLogHasher,
): Uint8Array[] {
  return rangeRootsSync(read, consistencyProofRanges(size1, size2), hasher);
}

/** RFC 6962 consistency proof between the trees of `size1` and `size2` leaves (0 < size1 <= size2). */
export async function logConsistencyProof(
  read: NodeReader,
  size1: number,
  size2: number,
  hasher: MerkleHasher = certLogHasher,
): Promise<Uint8Array[]> {
  return rangeRoots(read, consistencyProofRanges(size1, size2), hasher);
}

/** In-memory node storage for tests and tools; counts reads so tests can bound them. */
export class MemoryNodeStore {
  private readonly nodes = new Map<string, Uint8Array>();
  reads = 0;

  readonly read: NodeReader = (level, index) => {
    this.reads += 1;
    return Promise.resolve(this.nodes.get(`${level}/${index}`));
  };

  /** Stores nodes, all or none; rewriting one with a different hash means two histories, so it throws. */
  write(nodes: readonly LogNode[]): void {
    for (const { level, index, hash } of nodes) {
      const existing = this.nodes.get(`${level}/${index}`);
      if (existing !== undefined && !equalBytes(existing, hash)) {
        throw new MerkleError('CORRUPT_NODE', `cert log node (${level}, ${index}) rewritten`, {
          level,
          index,
        });
      }
    }
    for (const { level, index, hash } of nodes) this.nodes.set(`${level}/${index}`, hash);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }
}
