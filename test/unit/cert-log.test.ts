import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/codec/hash.js';
import { bytesToHex } from '../../src/codec/hex.js';
import {
  appendLeafHashes,
  appendLeafHashesSync,
  logConsistencyProof,
  logConsistencyProofSync,
  logInclusionProof,
  logInclusionProofSync,
  logRoot,
  logRootSync,
  MemoryNodeStore,
  perfectCover,
  type NodeReader,
} from '../../src/ledger/cert-log.js';
import { blockHasher, certLogHasher, MerkleError, type MerkleHasher } from '../../src/ledger/merkle.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const hex = (hs: readonly Uint8Array[]) => hs.map(bytesToHex);
const leafHash = (i: number, hasher: MerkleHasher = certLogHasher) =>
  hasher.hashLeaf(new TextEncoder().encode(`cert ${i}`));
const bitLength = (n: number) => (n === 0 ? 0 : Math.floor(Math.log2(n)) + 1);

/** Number of perfect-subtree nodes a log of n leaves stores: n + n/2 + n/4 + ... (floors). */
function perfectNodeCount(n: number): number {
  let total = 0;
  for (let w = 1; w <= n; w *= 2) total += Math.floor(n / w);
  return total;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof MerkleError && e.code === code);
}

/** Builds a log by appending in seeded random batches (including empty ones), checking every step. */
async function buildLog(total: number, seed: number, hasher: MerkleHasher = certLogHasher) {
  const rnd = new SeededRandom(seed);
  const store = new MemoryNodeStore();
  const leaves: Uint8Array[] = [];
  let size = 0;
  const batchSizes: number[] = [];
  while (size < total) {
    const batch = Array.from({ length: Math.min(rnd.int(18), total - size) }, (_, i) =>
      leafHash(size + i, hasher),
    );
    store.reads = 0;
    const result = await appendLeafHashes(store.read, size, batch, hasher);
    const where = `seed ${seed}, append ${batch.length} at ${size}`;
    // Appending reads the frontier only: one node per set bit of the old size.
    assert.ok(store.reads <= bitLength(size), `${where}: ${store.reads} reads`);
    assert.equal(result.size, size + batch.length, where);
    assert.equal(result.nodes.length, perfectNodeCount(result.size) - perfectNodeCount(size), where);
    leaves.push(...batch);
    assert.equal(bytesToHex(result.root), bytesToHex(hasher.rootFromLeafHashes(leaves)), where);
    // Each emitted node is the root of exactly the leaves it covers.
    for (const node of result.nodes) {
      const width = 2 ** node.level;
      const covered = leaves.slice(node.index * width, (node.index + 1) * width);
      assert.equal(covered.length, width, `${where}: node (${node.level}, ${node.index}) is not complete`);
      assert.equal(bytesToHex(node.hash), bytesToHex(hasher.rootFromLeafHashes(covered)), where);
    }
    store.write(result.nodes);
    assert.equal(store.nodeCount, perfectNodeCount(result.size), where);
    size = result.size;
    batchSizes.push(batch.length);
  }
  return { store, leaves, batchSizes };
}

test('appends in varying batches store exactly the perfect nodes and track the plain tree root', async () => {
  const used = new Set<number>();
  for (const seed of [1, 2, 3]) (await buildLog(300, seed)).batchSizes.forEach((n) => used.add(n));
  await buildLog(100, 4, blockHasher);
  // Empty, single and multi-leaf batches all occurred, so every carry pattern was exercised.
  assert.ok(used.has(0) && used.has(1) && used.size >= 15, `batch sizes used: ${[...used].join(',')}`);
});

test('roots and inclusion proofs at every past size equal the plain tree, within O(log n) reads', async () => {
  const { store, leaves } = await buildLog(160, 7);
  let proofs = 0;
  for (let size = 0; size <= 160; size++) {
    store.reads = 0;
    const root = await logRoot(store.read, size);
    assert.ok(store.reads <= bitLength(size), `root at ${size}: ${store.reads} reads`);
    assert.equal(bytesToHex(root), bytesToHex(certLogHasher.rootFromLeafHashes(leaves.slice(0, size))));
    // Every index for small sizes, a spread of indices for larger ones.
    const indices = size <= 80 ? [...Array(size).keys()] : [0, 1, size >> 1, size - 2, size - 1];
    for (const i of indices) {
      store.reads = 0;
      const proof = await logInclusionProof(store.read, i, size);
      assert.ok(store.reads <= 2 * bitLength(size), `index ${i}, size ${size}: ${store.reads} reads`);
      assert.deepEqual(
        hex(proof),
        hex(certLogHasher.inclusionProof(leaves, i, size)),
        `index ${i}, size ${size}`,
      );
      certLogHasher.verifyInclusion({ leafIndex: i, treeSize: size, leafHash: leaves[i]!, proof, root });
      proofs++;
    }
  }
  assert.ok(proofs > 3000);
});

test('consistency proofs between past sizes equal the plain tree, within O(log n) reads', async () => {
  const { store, leaves } = await buildLog(120, 8);
  const roots = [...Array(121).keys()].map((n) => certLogHasher.rootFromLeafHashes(leaves.slice(0, n)));
  let proofs = 0;
  for (let size2 = 1; size2 <= 120; size2++) {
    for (let size1 = 1; size1 <= size2; size1 += size2 <= 60 ? 1 : 7) {
      store.reads = 0;
      const proof = await logConsistencyProof(store.read, size1, size2);
      assert.ok(store.reads <= 2 * bitLength(size2), `${size1} -> ${size2}: ${store.reads} reads`);
      assert.deepEqual(
        hex(proof),
        hex(certLogHasher.consistencyProof(leaves, size1, size2)),
        `${size1} -> ${size2}`,
      );
      certLogHasher.verifyConsistency({ size1, size2, root1: roots[size1]!, root2: roots[size2]!, proof });
      proofs++;
    }
  }
  assert.ok(proofs > 2000);
});

test('a tampered store yields proofs that do not verify; missing and malformed nodes are typed errors', async () => {
  const { store, leaves } = await buildLog(37, 9);
  const root = certLogHasher.rootFromLeafHashes(leaves);
  const read = store.read;
  // Flip one stored interior node used by leaf 5's proof: (level 1, index 3) covers leaves 6 and 7.
  const tampered: NodeReader = async (level, index) => {
    const h = await read(level, index);
    return level === 1 && index === 3 && h ? Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b)) : h;
  };
  const proof = await logInclusionProof(tampered, 5, 37);
  assert.throws(
    () => certLogHasher.verifyInclusion({ leafIndex: 5, treeSize: 37, leafHash: leaves[5]!, proof, root }),
    (e: unknown) => e instanceof MerkleError && e.code === 'ROOT_MISMATCH',
  );
  const consistency = await logConsistencyProof(tampered, 6, 37);
  const root6 = certLogHasher.rootFromLeafHashes(leaves.slice(0, 6));
  assert.throws(
    () =>
      certLogHasher.verifyConsistency({ size1: 6, size2: 37, root1: root6, root2: root, proof: consistency }),
    (e: unknown) => e instanceof MerkleError && e.code === 'ROOT_MISMATCH',
  );

  await rejectsWith(logRoot(store.read, 38), 'MISSING_NODE');
  await rejectsWith(logInclusionProof(store.read, 37, 40), 'MISSING_NODE');
  await rejectsWith(appendLeafHashes(store.read, 64, [leafHash(64)]), 'MISSING_NODE');
  await rejectsWith(
    logRoot(() => Promise.resolve(new Uint8Array(3)), 1),
    'CORRUPT_NODE',
  );
  await rejectsWith(appendLeafHashes(store.read, 37, [new Uint8Array(31)]), 'INVALID_ARGUMENT');
  await rejectsWith(logInclusionProof(store.read, 37, 37), 'INDEX_OUT_OF_RANGE');
  await rejectsWith(logConsistencyProof(store.read, 0, 37), 'INVALID_SIZES');
  assert.throws(
    () => store.write([{ level: 0, index: 0, hash: leaves[1]! }]),
    (e: unknown) => e instanceof MerkleError && e.code === 'CORRUPT_NODE',
  );
  assert.equal(bytesToHex((await store.read(0, 0))!), bytesToHex(leaves[0]!));
});

/**
 * A log of 2^53 - 1 identical leaves: each node hash depends only on its level, so this reader is a
 * consistent (if boring) tree of any size, which exercises index arithmetic far beyond 32 bits.
 */
const uniformLevels = [sha256(new TextEncoder().encode('same'))];
for (let l = 1; l <= 53; l++)
  uniformLevels.push(certLogHasher.hashChildren(uniformLevels[l - 1]!, uniformLevels[l - 1]!));
const uniformReader: NodeReader = (level, index) => {
  assert.ok(
    Number.isSafeInteger(index) && index >= 0 && index < 2 ** (53 - level),
    `bad address (${level}, ${index})`,
  );
  return Promise.resolve(uniformLevels[level]);
};

test('proofs and appends for sizes beyond 2^32 verify', async () => {
  const sizes = [2 ** 32 + 1, 2 ** 40 + 12345, 3 * 2 ** 45 - 1, Number.MAX_SAFE_INTEGER];
  for (const size of sizes) {
    const root = await logRoot(uniformReader, size);
    for (const i of [0, 2 ** 31 + 7, 2 ** 32, Math.floor(size / 3), size - 2, size - 1]) {
      const proof = await logInclusionProof(uniformReader, i, size);
      certLogHasher.verifyInclusion({
        leafIndex: i,
        treeSize: size,
        leafHash: uniformLevels[0]!,
        proof,
        root,
      });
    }
    for (const size1 of [1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, size - 1]) {
      const root1 = await logRoot(uniformReader, size1);
      const proof = await logConsistencyProof(uniformReader, size1, size);
      certLogHasher.verifyConsistency({ size1, size2: size, root1, root2: root, proof });
    }
    if (size < Number.MAX_SAFE_INTEGER) {
      const { root: next, size: nextSize } = await appendLeafHashes(uniformReader, size, [uniformLevels[0]!]);
      assert.equal(bytesToHex(next), bytesToHex(await logRoot(uniformReader, nextSize)));
    }
  }
  assert.deepEqual(perfectCover({ start: 0, end: 2 ** 52 + 3 }), [
    { level: 52, index: 0 },
    { level: 1, index: 2 ** 51 },
    { level: 0, index: 2 ** 52 + 2 },
  ]);
  await rejectsWith(
    appendLeafHashes(uniformReader, Number.MAX_SAFE_INTEGER, [uniformLevels[0]!]),
    'INVALID_ARGUMENT',
  );
});

test('the sync twins give the same roots, proofs and appends as the async API', async () => {
  const { store, leaves } = await buildLog(77, 5);
  const sync = (level: number, index: number) => syncNodes.get(`${level}/${index}`);
  const syncNodes = new Map<string, Uint8Array>();
  const all = await appendLeafHashes(new MemoryNodeStore().read, 0, leaves);
  for (const n of all.nodes) syncNodes.set(`${n.level}/${n.index}`, n.hash);
  for (const size of [1, 2, 31, 64, 77]) {
    assert.deepEqual(logRootSync(sync, size), await logRoot(store.read, size));
    assert.deepEqual(
      logInclusionProofSync(sync, size - 1, size),
      await logInclusionProof(store.read, size - 1, size),
    );
    assert.deepEqual(logConsistencyProofSync(sync, 1, size), await logConsistencyProof(store.read, 1, size));
  }
  const more = [leafHash(77), leafHash(78)];
  assert.deepEqual(appendLeafHashesSync(sync, 77, more), await appendLeafHashes(store.read, 77, more));
  assert.throws(
    () => logRootSync(() => undefined, 3),
    (e: unknown) => e instanceof MerkleError && e.code === 'MISSING_NODE',
  );
});
