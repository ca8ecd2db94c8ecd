import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, sha3_256 } from '../../src/codec/hash.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/hex.js';
import { blockHasher, certLogHasher, MerkleError, type MerkleHasher } from '../../src/ledger/merkle.js';
import {
  b64,
  countJsonFiles,
  loadVectors,
  REFERENCE_LEAVES_HEX,
  VECTORS_DIR,
} from '../helpers/merkle-vectors.js';

// ---- A naive reference: RFC 6962 §2.1 transcribed recursively over leaf data, sharing no code. ----

type Hash = (data: Uint8Array) => Uint8Array;
const bytes = (...xs: number[]) => Uint8Array.from(xs);

function refSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(h: Hash, d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return h(new Uint8Array(0));
  if (d.length === 1) return h(concatBytes(bytes(0), d[0]!));
  const k = refSplit(d.length);
  return h(concatBytes(bytes(1), refMth(h, d.slice(0, k)), refMth(h, d.slice(k))));
}
function refPath(h: Hash, m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = refSplit(d.length);
  return m < k
    ? [...refPath(h, m, d.slice(0, k)), refMth(h, d.slice(k))]
    : [...refPath(h, m - k, d.slice(k)), refMth(h, d.slice(0, k))];
}
function refSubproof(h: Hash, m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [refMth(h, d)];
  const k = refSplit(d.length);
  return m <= k
    ? [...refSubproof(h, m, d.slice(0, k), b), refMth(h, d.slice(k))]
    : [...refSubproof(h, m - k, d.slice(k), false), refMth(h, d.slice(0, k))];
}

/** Distinct leaves of varying lengths. */
const leafData = (n: number) =>
  Array.from({ length: n }, (_, i) => new TextEncoder().encode('x'.repeat(i % 5) + i));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MerkleError, `expected a MerkleError, got ${String(e)}`);
    return e.code;
  }
  return 'VERIFIED';
}

const flipBit = (h: Uint8Array) => Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b));

test('empty roots and the RFC 6962 reference tree', () => {
  assert.equal(bytesToHex(certLogHasher.emptyRoot()), bytesToHex(sha256(new Uint8Array(0))));
  assert.equal(bytesToHex(blockHasher.emptyRoot()), bytesToHex(sha3_256(new Uint8Array(0))));
  assert.equal(certLogHasher.hashSize, 32);
  assert.equal(blockHasher.hashSize, 32);
  // The 8-leaf tree of the Certificate Transparency reference implementation and its roots for sizes 1..8.
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  roots.forEach((want, i) => {
    const data = REFERENCE_LEAVES_HEX.slice(0, i + 1).map((hex) => hexToBytes(hex)!);
    assert.equal(bytesToHex(certLogHasher.rootFromLeaves(data)), want, `size ${i + 1}`);
  });
});

test('roots of sizes 0..200 match the naive reference, for both hashers', () => {
  const pairs: [MerkleHasher, Hash][] = [
    [certLogHasher, sha256],
    [blockHasher, sha3_256],
  ];
  for (const [hasher, h] of pairs) {
    const data = leafData(200);
    const leafHashes = data.map((d) => hasher.hashLeaf(d));
    for (let n = 0; n <= 200; n++) {
      const want = bytesToHex(refMth(h, data.slice(0, n)));
      assert.equal(bytesToHex(hasher.rootFromLeaves(data.slice(0, n))), want, `size ${n}`);
      assert.equal(bytesToHex(hasher.rootFromLeafHashes(leafHashes.slice(0, n))), want, `size ${n}`);
    }
  }
  assert.notEqual(
    bytesToHex(certLogHasher.rootFromLeaves(leafData(3))),
    bytesToHex(blockHasher.rootFromLeaves(leafData(3))),
  );
});

test('inclusion proofs for every (index, size) up to 70 match the reference, verify, and resist tampering', () => {
  const data = leafData(70);
  const leafHashes = data.map((d) => certLogHasher.hashLeaf(d));
  let checked = 0;
  for (let size = 1; size <= 70; size++) {
    const root = certLogHasher.rootFromLeafHashes(leafHashes.slice(0, size));
    for (let i = 0; i < size; i++) {
      const proof = certLogHasher.inclusionProof(leafHashes, i, size);
      const where = `index ${i}, size ${size}`;
      assert.deepEqual(proof.map(bytesToHex), refPath(sha256, i, data.slice(0, size)).map(bytesToHex), where);
      const good = { leafIndex: i, treeSize: size, leafHash: leafHashes[i]!, proof, root };
      assert.equal(
        codeOf(() => certLogHasher.verifyInclusion(good)),
        'VERIFIED',
        where,
      );
      assert.notEqual(
        codeOf(() => certLogHasher.verifyInclusion({ ...good, root: flipBit(root) })),
        'VERIFIED',
      );
      assert.notEqual(
        codeOf(() => certLogHasher.verifyInclusion({ ...good, leafIndex: i ^ 1 })),
        'VERIFIED',
      );
      const other = leafHashes[(i + 1) % size]!;
      if (size > 1)
        assert.notEqual(
          codeOf(() => certLogHasher.verifyInclusion({ ...good, leafHash: other })),
          'VERIFIED',
        );
      proof.forEach((_, j) => {
        const tampered = proof.map((p, k) => (k === j ? flipBit(p) : p));
        assert.equal(
          codeOf(() => certLogHasher.verifyInclusion({ ...good, proof: tampered })),
          'ROOT_MISMATCH',
          where,
        );
      });
      const extended = [...proof, root];
      assert.equal(
        codeOf(() => certLogHasher.verifyInclusion({ ...good, proof: extended })),
        'MALFORMED_PROOF',
        where,
      );
      if (proof.length > 0) {
        const truncated = proof.slice(0, -1);
        assert.equal(
          codeOf(() => certLogHasher.verifyInclusion({ ...good, proof: truncated })),
          'MALFORMED_PROOF',
        );
      }
      checked++;
    }
  }
  assert.equal(checked, (70 * 71) / 2);
});

test('consistency proofs for every 0 < size1 <= size2 <= 40 match the reference, verify, and resist tampering', () => {
  const data = leafData(40);
  const leafHashes = data.map((d) => certLogHasher.hashLeaf(d));
  const roots = [0, ...leafHashes.keys()].map((_, n) =>
    certLogHasher.rootFromLeafHashes(leafHashes.slice(0, n)),
  );
  let checked = 0;
  for (let size2 = 1; size2 <= 40; size2++) {
    for (let size1 = 1; size1 <= size2; size1++) {
      const where = `${size1} -> ${size2}`;
      const proof = certLogHasher.consistencyProof(leafHashes, size1, size2);
      const want = size1 === size2 ? [] : refSubproof(sha256, size1, data.slice(0, size2), true);
      assert.deepEqual(proof.map(bytesToHex), want.map(bytesToHex), where);
      const good = { size1, size2, root1: roots[size1]!, root2: roots[size2]!, proof };
      const verify = (changes: Partial<typeof good>) =>
        codeOf(() => certLogHasher.verifyConsistency({ ...good, ...changes }));
      assert.equal(verify({}), 'VERIFIED', where);
      assert.equal(verify({ root1: flipBit(good.root1) }), 'ROOT_MISMATCH', where);
      assert.equal(verify({ root2: flipBit(good.root2) }), 'ROOT_MISMATCH', where);
      assert.equal(verify({ proof: [...proof, good.root1] }), 'MALFORMED_PROOF', where);
      if (size1 < size2) {
        assert.notEqual(verify({ root1: good.root2, root2: good.root1 }), 'VERIFIED', where);
        assert.equal(verify({ proof: proof.slice(0, -1) }), 'MALFORMED_PROOF', where);
        proof.forEach((_, j) => {
          assert.notEqual(
            verify({ proof: proof.map((p, k) => (k === j ? flipBit(p) : p)) }),
            'VERIFIED',
            where,
          );
        });
      }
      checked++;
    }
  }
  assert.equal(checked, (40 * 41) / 2);
});

test('bad arguments are typed errors', () => {
  const leafHashes = leafData(8).map((d) => certLogHasher.hashLeaf(d));
  assert.equal(
    codeOf(() => certLogHasher.inclusionProof(leafHashes, 8, 8)),
    'INDEX_OUT_OF_RANGE',
  );
  assert.equal(
    codeOf(() => certLogHasher.inclusionProof(leafHashes, 0, 9)),
    'INDEX_OUT_OF_RANGE',
  );
  assert.equal(
    codeOf(() => certLogHasher.inclusionProof(leafHashes, -1, 8)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    codeOf(() => certLogHasher.inclusionProof(leafHashes, 0.5, 8)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    codeOf(() => certLogHasher.inclusionProof(leafHashes, 0, 2 ** 53)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    codeOf(() => certLogHasher.consistencyProof(leafHashes, 0, 8)),
    'INVALID_SIZES',
  );
  assert.equal(
    codeOf(() => certLogHasher.consistencyProof(leafHashes, 5, 4)),
    'INVALID_SIZES',
  );
  assert.equal(
    codeOf(() => certLogHasher.rootFromLeafHashes([bytes(1, 2, 3)])),
    'INVALID_ARGUMENT',
  );
  const proof = { leafIndex: 0, treeSize: 1, leafHash: leafHashes[0]!, proof: [], root: leafHashes[0]! };
  assert.equal(
    codeOf(() => certLogHasher.verifyInclusion({ ...proof, treeSize: Number.NaN })),
    'INVALID_ARGUMENT',
  );
});

// ---- Published vectors (transparency-dev/merkle): every file checked, none skipped. ----

const verdict = (ok: boolean) => (ok ? 'VERIFIED' : 'rejected');

test('every published inclusion vector: happy paths verify, negative vectors are rejected', () => {
  const vectors = loadVectors('inclusion');
  let checked = 0;
  for (const { where, desc, json, proof, wantErr } of vectors) {
    // Two vectors hold 2^64 - 1 (a uint64 underflow): beyond 2^53, they must be rejected, not rounded.
    assert.ok(typeof json.leafIdx === 'number' && typeof json.treeSize === 'number', `${where}: bad sizes`);
    const args = {
      leafIndex: json.leafIdx,
      treeSize: json.treeSize,
      leafHash: b64(json.leafHash, `${where} leafHash`),
      root: b64(json.root, `${where} root`),
      proof,
    };
    const result = codeOf(() => certLogHasher.verifyInclusion(args));
    assert.equal(verdict(result === 'VERIFIED'), verdict(!wantErr), `${where} (${desc}): got ${result}`);
    checked++;
  }
  assert.equal(checked, vectors.length);
  assert.ok(vectors.some((x) => x.wantErr) && vectors.some((x) => !x.wantErr), 'need both kinds of vector');
});

test('every published consistency vector: happy paths verify, negative vectors are rejected', () => {
  const vectors = loadVectors('consistency');
  let checked = 0;
  for (const { where, desc, json, proof, wantErr } of vectors) {
    assert.ok(typeof json.size1 === 'number' && typeof json.size2 === 'number', `${where}: bad sizes`);
    const args = {
      size1: json.size1,
      size2: json.size2,
      root1: b64(json.root1, `${where} root1`),
      root2: b64(json.root2, `${where} root2`),
      proof,
    };
    const result = codeOf(() => certLogHasher.verifyConsistency(args));
    assert.equal(verdict(result === 'VERIFIED'), verdict(!wantErr), `${where} (${desc}): got ${result}`);
    checked++;
  }
  assert.equal(checked, vectors.length);
  assert.ok(vectors.some((x) => x.wantErr) && vectors.some((x) => !x.wantErr), 'need both kinds of vector');
});

test('the vector folders hold nothing unchecked, and our generator reproduces the happy paths', () => {
  const inclusion = loadVectors('inclusion');
  const consistency = loadVectors('consistency');
  assert.equal(
    inclusion.length + consistency.length,
    countJsonFiles(VECTORS_DIR),
    'JSON files outside the two kinds',
  );
  const leafHashes = REFERENCE_LEAVES_HEX.map((h) => certLogHasher.hashLeaf(hexToBytes(h)!));
  const happy = [...inclusion, ...consistency].filter((x) => /^\w+\/\d+\/happy-path\.json$/.test(x.where));
  assert.equal(happy.length, 10, 'expected five numbered happy paths of each kind');
  for (const { where, json, proof } of happy) {
    const ours =
      'leafIdx' in json
        ? certLogHasher.inclusionProof(leafHashes, json.leafIdx as number, json.treeSize as number)
        : certLogHasher.consistencyProof(leafHashes, json.size1 as number, json.size2 as number);
    assert.deepEqual(ours.map(bytesToHex), proof.map(bytesToHex), where);
  }
});
