import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageError } from '../../src/storage/errors.js';
import { prefixUpperBound } from '../../src/storage/store.js';
import {
  KeySpace,
  RETIRED,
  NAMESPACE_CHANNEL,
  blockHashByHeightKey,
  channelPrefix,
  logNodeKey,
  readU64,
  writeU64,
} from '../../src/storage/keys.js';
import {
  RecordFormat,
  decodeHash,
  decodeMeta,
  decodeTxRecord,
  encodeMeta,
  encodeTxRecord,
} from '../../src/storage/records.js';

const hash = (b: number) => new Uint8Array(32).fill(b);
const code = (c: string) => (e: unknown) => isStorageError(e) && e.code === c;

test('key spaces use distinct single bytes, none of them retired or zero', () => {
  const bytes = Object.values(KeySpace);
  assert.equal(new Set(bytes).size, bytes.length);
  for (const b of bytes) {
    assert.ok(b > 0 && b < 256);
    assert.equal(RETIRED[b], undefined);
  }
  assert.notEqual(NAMESPACE_CHANNEL, 0);
});

test('channel prefixes are length-prefixed so no channel is a prefix of another', () => {
  const chat = channelPrefix('chat');
  const chat2 = channelPrefix('chat2');
  assert.deepEqual([...chat], [NAMESPACE_CHANNEL, 4, 0x63, 0x68, 0x61, 0x74]);
  assert.notDeepEqual([...chat2.subarray(0, chat.length)], [...chat]);
  for (const bad of ['', 'Kofia', 'a b', 'ü', '-x', 'x'.repeat(65)]) {
    assert.throws(() => channelPrefix(bad), code('STORAGE_INVALID_ARGUMENT'), bad);
  }
});

test('height keys are big-endian so LevelDB order is numeric order', () => {
  const heights = [0, 1, 255, 256, 65_535, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
  const keys = heights.map((h) => Buffer.from(blockHashByHeightKey(h)));
  const sorted = [...keys].sort(Buffer.compare);
  assert.deepEqual(sorted, keys);
  assert.deepEqual([...blockHashByHeightKey(258)], [KeySpace.BLOCK_HASH_BY_HEIGHT, 0, 0, 0, 0, 0, 0, 1, 2]);
  for (const h of heights) {
    const out = new Uint8Array(8);
    writeU64(out, 0, h);
    assert.equal(readU64(out, 0), h);
  }
  assert.equal(readU64(new Uint8Array(8).fill(0xff), 0), undefined);
  for (const bad of [-1, 1.5, NaN, 2 ** 53]) {
    assert.throws(() => blockHashByHeightKey(bad), code('STORAGE_INVALID_ARGUMENT'), String(bad));
  }
});

test('log node keys are (level, index) with a bounded level', () => {
  assert.deepEqual([...logNodeKey(3, 5)], [KeySpace.LOG_NODE, 3, 0, 0, 0, 0, 0, 0, 0, 5]);
  assert.throws(() => logNodeKey(64, 0), code('STORAGE_INVALID_ARGUMENT'));
  assert.throws(() => logNodeKey(-1, 0), code('STORAGE_INVALID_ARGUMENT'));
  assert.throws(() => logNodeKey(0, -1), code('STORAGE_INVALID_ARGUMENT'));
});

test('meta record: exact layout and round trip', () => {
  const bytes = encodeMeta({ height: 258, hash: hash(0xab) });
  assert.deepEqual([...bytes.subarray(0, 9)], [RecordFormat.META_V1, 0, 0, 0, 0, 0, 0, 1, 2]);
  assert.equal(bytes.length, 41);
  assert.deepEqual(decodeMeta(bytes), { height: 258, hash: hash(0xab) });
});

test('meta record: short, long, unknown format and oversized height are typed errors', () => {
  const good = encodeMeta({ height: 7, hash: hash(1) });
  const bad = [
    good.subarray(0, 40),
    new Uint8Array([...good, 0]),
    new Uint8Array(0),
    Uint8Array.of(0x02, ...good.subarray(1)),
    Uint8Array.of(RecordFormat.META_V1, ...new Uint8Array(8).fill(0xff), ...hash(1)),
  ];
  for (const b of bad) assert.throws(() => decodeMeta(b), code('STORAGE_RECORD_MALFORMED'));
});

test('tx record: round trip, including empty tx and receipt bytes', () => {
  for (const [tx, receipt] of [
    [Uint8Array.of(1, 2, 3), Uint8Array.of(9)],
    [new Uint8Array(0), new Uint8Array(0)],
    [new Uint8Array(70_000).fill(7), new Uint8Array(3).fill(8)],
  ] as const) {
    const record = { height: 2 ** 40, index: 199, txBytes: tx, receiptBytes: receipt };
    const bytes = encodeTxRecord(record);
    assert.equal(bytes.length, 1 + 8 + 4 + 4 + tx.length + 4 + receipt.length);
    assert.deepEqual(decodeTxRecord(bytes), record);
  }
});

test('tx record: every truncation and any trailing byte is a typed error, never a crash', () => {
  const bytes = encodeTxRecord({ height: 5, index: 2, txBytes: hash(3), receiptBytes: hash(4) });
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeTxRecord(bytes.subarray(0, n)), code('STORAGE_RECORD_MALFORMED'), `len ${n}`);
  }
  assert.throws(() => decodeTxRecord(new Uint8Array([...bytes, 0])), code('STORAGE_RECORD_MALFORMED'));
  const wrongFormat = bytes.slice();
  wrongFormat[0] = 0x7f;
  assert.throws(() => decodeTxRecord(wrongFormat), code('STORAGE_RECORD_MALFORMED'));
  const hugeLength = bytes.slice();
  new DataView(hugeLength.buffer).setUint32(13, 0xffffffff);
  assert.throws(() => decodeTxRecord(hugeLength), code('STORAGE_RECORD_MALFORMED'));
});

test('bare hash values must be exactly 32 bytes', () => {
  assert.deepEqual(decodeHash(hash(1), 'x'), hash(1));
  assert.throws(() => decodeHash(hash(1).subarray(1), 'x'), code('STORAGE_RECORD_MALFORMED'));
});

test('prefixUpperBound is the first key past every key with the prefix', () => {
  assert.deepEqual(prefixUpperBound(Uint8Array.of(1, 2, 3)), Uint8Array.of(1, 2, 4));
  assert.deepEqual(prefixUpperBound(Uint8Array.of(1, 0xff, 0xff)), Uint8Array.of(2));
  assert.deepEqual(prefixUpperBound(Uint8Array.of(0xff, 0xff)), undefined);
  assert.deepEqual(prefixUpperBound(new Uint8Array(0)), undefined);
});
