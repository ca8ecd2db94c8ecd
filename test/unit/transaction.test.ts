import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { serializeTransaction, type IconValue } from '../../src/codec/icon-serialize.js';
import {
  parseTransaction,
  signTransaction,
  verifyTransaction,
  TxError,
  txHashHex,
  type TxParams,
} from '../../src/ledger/transaction.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  IconBuilder,
  IconConverter,
  IconUtil,
  IconValidator,
  IconWallet,
  SignedTransaction,
} from '../helpers/icon-sdk.js';
import { SeededRandom } from '../helpers/seeded-random.js';

// The pure-JS implementation shipped inside the `secp256k1` package: an independent check of our
// native signatures.
const ellipticSecp = createRequire(import.meta.url)('secp256k1/elliptic') as {
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
};

const ESCAPES = ['\\', '.', '{', '}', '[', ']'];
const UNICODE = ['가나다', 'é', '😀', '\u0000', '\n', ' ', 'ß', '中文'];

function randomString(r: SeededRandom): string {
  let s = '';
  const n = r.int(8);
  for (let i = 0; i < n; i++) {
    const k = r.int(3);
    s += k === 0 ? r.pick(ESCAPES) : k === 1 ? r.pick(UNICODE) : String.fromCharCode(97 + r.int(26));
  }
  return s;
}

function randomValue(r: SeededRandom, depth: number): IconValue {
  const k = depth > 3 ? r.int(2) : r.int(4);
  if (k === 0) return randomString(r);
  if (k === 1) return null;
  if (k === 2) return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  return randomParams(r, depth + 1);
}

function randomParams(r: SeededRandom, depth = 0): { [k: string]: IconValue } {
  const out: { [k: string]: IconValue } = {};
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++)
    out[`${String.fromCharCode(97 + r.int(26))}${r.int(100)}`] = randomValue(r, depth);
  return out;
}

type Builder = Record<string, (...a: unknown[]) => unknown>;
function sdkTransaction(r: SeededRandom, kind: number, from: string): object {
  const big = (v: number) => IconConverter.toBigNumber(v);
  const score = `cx${Buffer.from(r.bytes(20)).toString('hex')}`;
  let b: Builder;
  if (kind === 0) {
    b = new IconBuilder.CallTransactionBuilder();
    b = b.method!('do_it') as Builder;
    b = b.params!(randomParams(r)) as Builder;
  } else if (kind === 1) {
    b = new IconBuilder.DeployTransactionBuilder();
    b = b.contentType!('application/javascript') as Builder;
    b = b.content!(`0x${Buffer.from(randomString(r) + 'x').toString('hex')}`) as Builder;
    b = b.params!(randomParams(r)) as Builder;
  } else {
    b = new IconBuilder.MessageTransactionBuilder();
    b = b.data!(`0x${Buffer.from(`m${randomString(r)}`).toString('hex')}`) as Builder;
  }
  const to = kind === 2 ? `hx${Buffer.from(r.bytes(20)).toString('hex')}` : score;
  for (const [k, v] of [
    ['from', from],
    ['to', to],
    ['stepLimit', big(1 + r.int(1e9))],
    ['nid', big(1 + r.int(255))],
    ['nonce', big(r.int(1e6))],
    ['version', big(3)],
    ['timestamp', 1_700_000_000_000_000 + r.int(1e9)],
  ] as const) {
    b = b[k]!(v) as Builder;
  }
  return b.build!() as object;
}

test('serialization matches the ICON documented example and icon-sdk-js', () => {
  const params = {
    version: '0x3',
    from: 'hxbe258ceb872e08851f1f59694dac2558708ece11',
    to: 'hx5bfdb090f43a808005ffc27c25b213145e80b7cd',
    value: '0xde0b6b3a7640000',
    stepLimit: '0x12345',
    timestamp: '0x563a6cf330136',
    nid: '0x1',
    nonce: '0x1',
  };
  const expected =
    'icx_sendTransaction.from.hxbe258ceb872e08851f1f59694dac2558708ece11.nid.0x1.nonce.0x1.stepLimit.0x12345.' +
    'timestamp.0x563a6cf330136.to.hx5bfdb090f43a808005ffc27c25b213145e80b7cd.value.0xde0b6b3a7640000.version.0x3';
  assert.equal(serializeTransaction(params), expected);
  assert.equal(IconUtil.generateHashKey(params), expected);
});

test('escapes, nulls, nested lists and maps serialize like icon-sdk-js', () => {
  const params = {
    a: 'x.y{z}[w]\\v',
    b: null,
    c: ['1', null, { d: '[]', e: [] }, []],
    d: {},
  };
  const ours = serializeTransaction(params);
  assert.equal(
    ours,
    'icx_sendTransaction.a.x\\.y\\{z\\}\\[w\\]\\\\v.b.\\0.c.[1.\\0.{d.\\[\\].e.[]}.[]].d.{}',
  );
  assert.equal(ours, IconUtil.generateHashKey(params));
});

test('numbers, booleans and over-deep nesting are refused rather than silently dropped', () => {
  assert.throws(() => serializeTransaction({ a: 1 }), { code: 'UNSERIALIZABLE_VALUE' });
  assert.throws(() => serializeTransaction({ a: [true] }), { code: 'UNSERIALIZABLE_VALUE' });
  let deep: IconValue = 'x';
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.throws(() => serializeTransaction({ a: deep }), { code: 'TOO_DEEP' });
});

test('transactions built and signed by icon-sdk-js hash and verify identically in our code', () => {
  const r = new SeededRandom(0x1c0);
  const wallet = IconWallet.create();
  for (let i = 0; i < 300; i++) {
    const signed = new SignedTransaction(sdkTransaction(r, i % 3, wallet.getAddress()), wallet);
    const props = JSON.parse(JSON.stringify(signed.getProperties()));
    const tx = parseTransaction(props);
    assert.equal(txHashHex(tx), `0x${IconUtil.makeTxHash(signed.getRawTransaction())}`);
    verifyTransaction(tx);
    assert.equal(tx.from, wallet.getAddress());
  }
});

test('transactions our code signs pass icon-sdk-js checks and an independent secp256k1', () => {
  const r = new SeededRandom(0x51a);
  for (let i = 0; i < 60; i++) {
    const wallet = IconWallet.create();
    const key = new Uint8Array(Buffer.from(wallet.getPrivateKey(), 'hex'));
    assert.equal(addressFromPublicKey(publicKeyOf(key)), wallet.getAddress());
    const unsigned = sdkTransaction(r, i % 3, wallet.getAddress()) as Record<string, unknown>;
    const raw = new SignedTransaction(unsigned, wallet).getRawTransaction();
    const ours = signTransaction(JSON.parse(JSON.stringify(raw)), key);
    const sdkSigned = new SignedTransaction(unsigned, wallet).getProperties();
    // RFC 6979 deterministic nonces: both libraries produce the very same signature bytes.
    assert.equal(ours.signature, sdkSigned.signature);
    assert.equal(IconValidator.isSignedTransaction({ getProperties: () => ours }), true);
    const tx = parseTransaction(ours);
    const pub = ellipticSecp.ecdsaRecover(tx.signature.subarray(0, 64), tx.signature[64]!, tx.hash, false);
    assert.equal(addressFromPublicKey(pub), wallet.getAddress());
  }
});

function validTx(): Record<string, unknown> {
  const key = new Uint8Array(32).fill(7);
  const from = addressFromPublicKey(publicKeyOf(key));
  return signTransaction(
    {
      version: '0x3',
      from,
      to: `cx${'ab'.repeat(20)}`,
      stepLimit: '0x100000',
      timestamp: '0x5f5e100',
      nid: '0x1',
      nonce: '0x7',
      dataType: 'call',
      data: { method: 'issue', params: { csr: 'PEM…', list: ['a', null] } },
    },
    key,
  ) as unknown as Record<string, unknown>;
}

test('a valid signed transaction parses and verifies', () => {
  const tx = parseTransaction(validTx());
  verifyTransaction(tx);
  assert.equal(tx.nid, 1n);
  assert.equal(tx.dataType, 'call');
});

const REJECTIONS: [string, (t: Record<string, unknown>) => unknown, string, string?][] = [
  ['not an object', () => [], 'NOT_AN_OBJECT'],
  ['too large', (t) => ({ ...t, data: { method: 'x', params: { p: 'x'.repeat(2 << 20) } } }), 'TOO_LARGE'],
  ['unknown field', (t) => ({ ...t, fee: '0x1' }), 'UNKNOWN_FIELD', 'fee'],
  ['missing version', (t) => ({ ...t, version: undefined }), 'MISSING_FIELD', 'version'],
  ['version 2', (t) => ({ ...t, version: '0x2' }), 'INVALID_FIELD', 'version'],
  ['from not a string', (t) => ({ ...t, from: 5 }), 'INVALID_FIELD', 'from'],
  ['from a cx', (t) => ({ ...t, from: `cx${'00'.repeat(20)}` }), 'INVALID_FIELD', 'from'],
  ['from upper case', (t) => ({ ...t, from: (t.from as string).toUpperCase() }), 'INVALID_FIELD', 'from'],
  ['to too short', (t) => ({ ...t, to: 'hx1234' }), 'INVALID_FIELD', 'to'],
  ['missing stepLimit', (t) => ({ ...t, stepLimit: undefined }), 'MISSING_FIELD', 'stepLimit'],
  ['stepLimit decimal', (t) => ({ ...t, stepLimit: '100' }), 'INVALID_FIELD', 'stepLimit'],
  ['stepLimit leading zero', (t) => ({ ...t, stepLimit: '0x01' }), 'INVALID_FIELD', 'stepLimit'],
  ['timestamp upper hex', (t) => ({ ...t, timestamp: '0x5F5E100' }), 'INVALID_FIELD', 'timestamp'],
  ['negative nid', (t) => ({ ...t, nid: '-0x1' }), 'INVALID_FIELD', 'nid'],
  ['missing nid', (t) => ({ ...t, nid: undefined }), 'MISSING_FIELD', 'nid'],
  ['bad nonce', (t) => ({ ...t, nonce: 'x' }), 'INVALID_FIELD', 'nonce'],
  ['bad value', (t) => ({ ...t, value: '0x' }), 'INVALID_FIELD', 'value'],
  ['unknown dataType', (t) => ({ ...t, dataType: 'deposit' }), 'INVALID_FIELD', 'dataType'],
  ['data without dataType', (t) => ({ ...t, dataType: undefined }), 'MISSING_FIELD', 'dataType'],
  ['dataType without data', (t) => ({ ...t, data: undefined }), 'MISSING_FIELD', 'data'],
  ['call to an hx', (t) => ({ ...t, to: t.from }), 'INVALID_FIELD', 'to'],
  ['call data not an object', (t) => ({ ...t, data: 'issue' }), 'INVALID_FIELD', 'data'],
  ['call without method', (t) => ({ ...t, data: { params: {} } }), 'MISSING_FIELD', 'data.method'],
  ['call method not a name', (t) => ({ ...t, data: { method: 'a b' } }), 'INVALID_FIELD', 'data.method'],
  ['call data extra key', (t) => ({ ...t, data: { method: 'a', x: '1' } }), 'UNKNOWN_FIELD', 'data.x'],
  [
    'call params a list',
    (t) => ({ ...t, data: { method: 'a', params: [] } }),
    'INVALID_FIELD',
    'data.params',
  ],
  [
    'call params number',
    (t) => ({ ...t, data: { method: 'a', params: { n: 1 } } }),
    'INVALID_FIELD',
    'data.params',
  ],
  [
    'deploy bad contentType',
    (t) => ({ ...t, dataType: 'deploy', data: { contentType: 'text/x', content: '0x00' } }),
    'INVALID_FIELD',
    'data.contentType',
  ],
  [
    'deploy empty content',
    (t) => ({ ...t, dataType: 'deploy', data: { contentType: 'application/javascript', content: '0x' } }),
    'INVALID_FIELD',
    'data.content',
  ],
  [
    'message not hex',
    (t) => ({ ...t, to: t.from, dataType: 'message', data: 'hello' }),
    'INVALID_FIELD',
    'data',
  ],
  ['message empty', (t) => ({ ...t, to: t.from, dataType: 'message', data: '0x' }), 'INVALID_FIELD', 'data'],
  ['missing signature', (t) => ({ ...t, signature: undefined }), 'MISSING_FIELD', 'signature'],
  ['signature not base64', (t) => ({ ...t, signature: '***' }), 'INVALID_SIGNATURE', 'signature'],
  ['signature short', (t) => ({ ...t, signature: 'AAAA' }), 'INVALID_SIGNATURE', 'signature'],
];

for (const [name, mutate, code, field] of REJECTIONS) {
  test(`rejects a transaction: ${name}`, () => {
    const input = JSON.parse(JSON.stringify(mutate(validTx()) ?? null));
    assert.throws(
      () => parseTransaction(input),
      (e: unknown) =>
        e instanceof TxError && e.code === code && (field === undefined || e.detail.field === field),
    );
  });
}

test('verification rejects a changed field, a foreign signer and a malleated signature', () => {
  const t = validTx();
  assert.throws(() => verifyTransaction(parseTransaction({ ...t, nonce: '0x8' })), {
    code: 'SIGNER_MISMATCH',
  });
  const { signature: _s, ...unsigned } = t as unknown as TxParams;
  const other = signTransaction(unsigned, new Uint8Array(32).fill(9));
  assert.throws(() => verifyTransaction(parseTransaction({ ...other, from: t.from })), {
    code: 'SIGNER_MISMATCH',
  });
  const sig = Buffer.from(t.signature as string, 'base64');
  sig[64] = 7;
  assert.throws(() => verifyTransaction(parseTransaction({ ...t, signature: sig.toString('base64') })), {
    code: 'INVALID_SIGNATURE',
  });
  // s' = n - s verifies in plain ECDSA but is the malleable twin; it must be refused.
  const orig = Buffer.from(t.signature as string, 'base64');
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${orig.subarray(32, 64).toString('hex')}`);
  const twin = Buffer.concat([
    orig.subarray(0, 32),
    Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'),
    Buffer.from([orig[64]! ^ 1]),
  ]);
  assert.throws(() => verifyTransaction(parseTransaction({ ...t, signature: twin.toString('base64') })), {
    code: 'INVALID_SIGNATURE',
  });
});
