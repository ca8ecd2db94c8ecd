import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BlockError,
  HEADER_FIELDS,
  blockHash,
  checkBlockShape,
  decodeBlock,
  encodeBlock,
  headerFieldProof,
  headerLeaves,
  signBlock,
  transactionsRoot,
  validatorsHash,
  verifyBlockSignature,
  type Block,
  type BlockHeader,
} from '../../src/ledger/block.js';
import { blockHasher } from '../../src/ledger/merkle.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { bytesToHex } from '../../src/codec/hex.js';
import {
  decodeTransaction,
  encodeTransaction,
  parseTransaction,
  signTransaction,
} from '../../src/ledger/transaction.js';

const key = new Uint8Array(32).fill(0x11);
const proposer = Buffer.from(addressFromPublicKey(publicKeyOf(key)).slice(2), 'hex');
const fill = (b: number, n = 32) => new Uint8Array(n).fill(b);

function header(overrides: Partial<BlockHeader> = {}): BlockHeader {
  return {
    version: 1,
    channel: 'kofia',
    height: 7,
    round: 9,
    prevHash: fill(1),
    timestamp: 1_764_460_800_000_000,
    proposer,
    transactionsRoot: fill(2),
    receiptsRoot: fill(3),
    stateRoot: fill(4),
    certLogRoot: fill(5),
    certLogSize: 42,
    validatorsHash: fill(6),
    nextValidatorsHash: fill(6),
    justify: {
      qc: {
        height: 6,
        round: 8,
        blockHash: fill(1),
        votes: [{ validator: fill(9, 20), signature: fill(8, 65) }],
      },
      tc: undefined,
    },
    ...overrides,
  };
}

function signed(h: BlockHeader = header(), transactions: Uint8Array[] = []): Block {
  return { header: h, signature: signBlock(h, key), transactions, issuance: undefined };
}

test('block hash golden vector: fixed header, fixed hash', () => {
  // Pinned: any change to leaf encoding, field order or the tree breaks stored chains.
  assert.equal(bytesToHex(blockHash(header())), GOLDEN_HASH);
});

test('every header field is provable against the block hash and bound to its name', () => {
  const h = header();
  const root = blockHash(h);
  for (const field of HEADER_FIELDS) {
    const proof = headerFieldProof(h, field);
    blockHasher.verifyInclusion({ ...proof, root });
  }
  // A leaf for stateRoot cannot pass as receiptsRoot even when the values are equal.
  const same = header({ stateRoot: fill(3) });
  const leaves = headerLeaves(same);
  assert.notDeepEqual(
    leaves[HEADER_FIELDS.indexOf('stateRoot')],
    leaves[HEADER_FIELDS.indexOf('receiptsRoot')],
  );
});

test('changing any header field changes the block hash', () => {
  const base = bytesToHex(blockHash(header()));
  const changes: Partial<BlockHeader>[] = [
    { version: 2 },
    { channel: 'chat' },
    { height: 8 },
    { round: 10 },
    { prevHash: fill(0x21) },
    { timestamp: 1_764_460_800_000_001 },
    { proposer: fill(0x22, 20) },
    { transactionsRoot: fill(0x23) },
    { receiptsRoot: fill(0x24) },
    { stateRoot: fill(0x25) },
    { certLogRoot: fill(0x26) },
    { certLogSize: 43 },
    { validatorsHash: fill(0x27) },
    { nextValidatorsHash: fill(0x28) },
    { justify: { qc: { height: 6, round: 7, blockHash: fill(1), votes: [] }, tc: undefined } },
  ];
  assert.equal(changes.length, HEADER_FIELDS.length);
  const seen = new Set([base]);
  for (const c of changes) seen.add(bytesToHex(blockHash(header(c))));
  assert.equal(seen.size, HEADER_FIELDS.length + 1);
});

test('the proposer signature verifies; a changed header or another signer does not', () => {
  const b = signed();
  verifyBlockSignature(b);
  assert.throws(() => verifyBlockSignature({ ...b, header: header({ round: 10 }) }), {
    code: 'WRONG_PROPOSER',
  });
  const other = { ...b, signature: signBlock(b.header!, fill(0x33)) };
  assert.throws(() => verifyBlockSignature(other), { code: 'WRONG_PROPOSER' });
  const bad = new Uint8Array(b.signature);
  bad[64] = 9;
  assert.throws(() => verifyBlockSignature({ ...b, signature: bad }), { code: 'INVALID_SIGNATURE' });
});

test('blocks round-trip through protobuf with their transactions', () => {
  const txs = [1, 2, 3].map((n) =>
    encodeTransaction(
      parseTransaction(
        signTransaction(
          {
            version: '0x3',
            from: addressFromPublicKey(publicKeyOf(key)),
            to: `cx${'01'.repeat(20)}`,
            stepLimit: '0x10',
            timestamp: `0x${(1_764_460_800_000_000 + n).toString(16)}`,
            nid: '0x1',
            dataType: 'call',
            data: { method: 'post', params: { message: `héllo ${n}` } },
          },
          key,
        ),
      ),
    ),
  );
  const parsed = txs.map((t) => decodeTransaction(t));
  const h = header({ transactionsRoot: transactionsRoot(parsed.map((t) => t.hash)) });
  const b = signed(h, txs);
  const back = decodeBlock(encodeBlock(b));
  assert.deepEqual(bytesToHex(blockHash(back.header!)), bytesToHex(blockHash(h)));
  verifyBlockSignature(back);
  assert.deepEqual(
    back.transactions.map((t) => bytesToHex(decodeTransaction(t).hash)),
    parsed.map((t) => bytesToHex(t.hash)),
  );
  // Canonical JSON: re-encoding a decoded transaction gives the same bytes.
  assert.deepEqual(encodeTransaction(parsed[0]!), txs[0]);
});

test('genesis carries no parent, proposer, justification or signature', () => {
  const g: Block = {
    header: header({
      height: 0,
      prevHash: new Uint8Array(0),
      proposer: new Uint8Array(0),
      justify: undefined,
    }),
    signature: new Uint8Array(0),
    issuance: undefined,
    transactions: [],
  };
  checkBlockShape(g);
  verifyBlockSignature(g);
  assert.throws(() => checkBlockShape({ ...g, signature: fill(1, 65) }), { code: 'INVALID_FIELD' });
});

test('validatorsHash commits to the order and members of the set', () => {
  const a = fill(1, 20);
  const b = fill(2, 20);
  assert.notDeepEqual(validatorsHash([a, b]), validatorsHash([b, a]));
  assert.notDeepEqual(validatorsHash([a]), validatorsHash([a, b]));
});

const MALFORMED: [string, () => Uint8Array, string, string?][] = [
  ['random bytes', () => Uint8Array.of(0xff, 0xff, 0xff, 0xff), 'MALFORMED_BLOCK'],
  ['truncated', () => encodeBlock(signed()).subarray(0, 40), 'MALFORMED_BLOCK'],
  [
    'no header',
    () => encodeBlock({ header: undefined, signature: fill(1, 65), transactions: [], issuance: undefined }),
    'INVALID_FIELD',
    'header',
  ],
  ['version 9', () => encodeBlock(signed(header({ version: 9 }))), 'INVALID_FIELD', 'version'],
  ['bad channel', () => encodeBlock(signed(header({ channel: 'Kofia!' }))), 'INVALID_FIELD', 'channel'],
  [
    'short state root',
    () => encodeBlock(signed(header({ stateRoot: fill(1, 31) }))),
    'INVALID_FIELD',
    'stateRoot',
  ],
  [
    'short prevHash',
    () => encodeBlock(signed(header({ prevHash: fill(1, 1) }))),
    'INVALID_FIELD',
    'prevHash',
  ],
  [
    'long proposer',
    () => encodeBlock(signed(header({ proposer: fill(1, 21) }))),
    'INVALID_FIELD',
    'proposer',
  ],
  ['no justify', () => encodeBlock(signed(header({ justify: undefined }))), 'INVALID_FIELD', 'justify'],
  [
    'qc for the wrong height',
    () =>
      encodeBlock(
        signed(
          header({ justify: { qc: { height: 3, round: 1, blockHash: fill(1), votes: [] }, tc: undefined } }),
        ),
      ),
    'INVALID_FIELD',
    'justify.qc.height',
  ],
  [
    'vote signature short',
    () =>
      encodeBlock(
        signed(
          header({
            justify: {
              qc: {
                height: 6,
                round: 1,
                blockHash: fill(1),
                votes: [{ validator: fill(1, 20), signature: fill(1, 64) }],
              },
              tc: undefined,
            },
          }),
        ),
      ),
    'INVALID_FIELD',
    'justify.qc.votes[0].signature',
  ],
  [
    'missing signature',
    () => encodeBlock({ ...signed(), signature: new Uint8Array(0) }),
    'INVALID_FIELD',
    'signature',
  ],
];

for (const [name, bytes, code, field] of MALFORMED) {
  test(`decodeBlock rejects: ${name}`, () => {
    assert.throws(
      () => decodeBlock(bytes()),
      (e: unknown) =>
        e instanceof BlockError && e.code === code && (field === undefined || e.detail.field === field),
    );
  });
}

test('decodeBlock enforces its size and count limits', () => {
  const b = encodeBlock(signed(header(), [Uint8Array.of(1), Uint8Array.of(2)]));
  assert.throws(() => decodeBlock(b, { maxBytes: 10, maxTransactions: 10, maxVotes: 10 }), {
    code: 'TOO_LARGE',
  });
  assert.throws(() => decodeBlock(b, { maxBytes: 1 << 20, maxTransactions: 1, maxVotes: 10 }), {
    code: 'TOO_LARGE',
  });
});

// Cross-computed independently (Python hashlib.sha3_256, hand-encoded leaves and protobuf justify).
const GOLDEN_HASH = '16fac2bcb90119d6b3611faffbe84ca9fecb3a6345c275bdcb8ffb6ab96e1ba1';
