import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, toHexInt } from '../../src/codec/hex.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  encodeTransaction,
  parseTransaction,
  signTransaction,
  verifyTransaction,
  type Transaction,
} from '../../src/ledger/transaction.js';
import { Mempool, MempoolError, type MempoolOptions } from '../../src/node/mempool.js';
import { IconBuilder, IconConverter, IconWallet, SignedTransaction } from '../helpers/icon-sdk.js';

const NID = 3n;
const T0 = 1_700_000_000_000_000n; // µs
const WINDOW = 5n * 60n * 1_000_000n; // ICON's 5 minutes
const KEY = new Uint8Array(32).fill(7);
const FROM = addressFromPublicKey(publicKeyOf(KEY));

interface TxSpec {
  nonce?: number;
  nid?: bigint;
  timestamp?: bigint;
  /** Bytes of message data, to control the encoded size. */
  payload?: number;
}

let nextNonce = 1;
function makeTx(spec: TxSpec = {}): Transaction {
  const payload = spec.payload ?? 1;
  const params = signTransaction(
    {
      version: '0x3',
      from: FROM,
      to: `hx${'ab'.repeat(20)}`,
      stepLimit: '0x100000',
      timestamp: toHexInt(spec.timestamp ?? T0),
      nid: toHexInt(spec.nid ?? NID),
      nonce: toHexInt(spec.nonce ?? nextNonce++),
      dataType: 'message',
      data: `0x${'6d'.repeat(payload)}`,
    },
    KEY,
  );
  const tx = parseTransaction(JSON.parse(JSON.stringify(params)));
  verifyTransaction(tx);
  return tx;
}

const sizeOf = (tx: Transaction) => encodeTransaction(tx).length;
const keyOf = (tx: Transaction) => bytesToHex(tx.hash);
const hashes = (txs: readonly Transaction[]) => txs.map(keyOf);

class FakeClock {
  constructor(public us: bigint = T0) {}
  readonly now = (): bigint => this.us;
}

interface Fixture {
  pool: Mempool;
  clock: FakeClock;
  committed: Set<string>;
  asked: string[];
}

function fixture(overrides: Partial<MempoolOptions> = {}): Fixture {
  const clock = new FakeClock();
  const committed = new Set<string>();
  const asked: string[] = [];
  const pool = new Mempool({
    nid: NID,
    maxTransactions: 10_000,
    maxBytes: 64 * 1024 * 1024,
    maxTxBytes: 64 * 1024,
    timestampWindowUs: WINDOW,
    now: clock.now,
    isCommitted: async (hash) => {
      asked.push(bytesToHex(hash));
      return committed.has(bytesToHex(hash));
    },
    ...overrides,
  });
  return { pool, clock, committed, asked };
}

/** A promise with its resolve and reject exposed, to hold `isCommitted` open. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<MempoolError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof MempoolError, `expected a MempoolError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

test('admits a transaction and accounts for its encoded bytes', async () => {
  const { pool, asked } = fixture();
  const a = makeTx();
  const b = makeTx({ payload: 100 });
  await pool.add(a);
  await pool.add(b);
  assert.equal(pool.size, 2);
  assert.equal(pool.bytes, sizeOf(a) + sizeOf(b));
  assert.ok(pool.has(a.hash) && pool.has(b.hash));
  assert.equal(pool.has(makeTx().hash), false);
  assert.deepEqual(asked, [keyOf(a), keyOf(b)], 'each admission asks the ledger once');
});

test('a transaction built and signed by icon-sdk-js is admitted', async () => {
  const { pool } = fixture();
  const wallet = IconWallet.create();
  const big = (v: number | string) => IconConverter.toBigNumber(v);
  type Builder = Record<string, (...a: unknown[]) => unknown>;
  let b = new IconBuilder.MessageTransactionBuilder() as Builder;
  for (const [k, v] of [
    ['from', wallet.getAddress()],
    ['to', `hx${'cd'.repeat(20)}`],
    ['stepLimit', big(100_000)],
    ['nid', big(3)],
    ['nonce', big(1)],
    ['version', big(3)],
    ['timestamp', Number(T0)],
    ['data', '0x68656c6c6f'],
  ] as const) {
    b = b[k]!(v) as Builder;
  }
  const signed = new SignedTransaction(b.build!() as object, wallet);
  const tx = parseTransaction(JSON.parse(JSON.stringify(signed.getProperties())));
  verifyTransaction(tx);
  await pool.add(tx);
  assert.ok(pool.has(tx.hash));
});

test('TOO_LARGE: a transaction over maxTxBytes, with its size and the bound in the message', async () => {
  const tx = makeTx({ payload: 600 });
  const size = sizeOf(tx);
  const { pool, asked } = fixture({ maxTxBytes: size - 1 });
  const e = await rejectsWith(pool.add(tx), 'TOO_LARGE', new RegExp(`${size} bytes.*limit of ${size - 1}`));
  assert.deepEqual(e.detail, { size, limit: size - 1 });
  assert.equal(pool.size, 0);
  assert.deepEqual(asked, [], 'refused before the ledger is asked');
  const { pool: exact } = fixture({ maxTxBytes: size });
  await exact.add(tx);
  assert.equal(exact.size, 1, 'exactly maxTxBytes is admitted');
});

test('WRONG_NID: another network id is refused, naming both', async () => {
  const { pool } = fixture();
  await rejectsWith(pool.add(makeTx({ nid: 1n })), 'WRONG_NID', /nid 0x1, this channel is nid 0x3/);
  await rejectsWith(pool.add(makeTx({ nid: 0x30n })), 'WRONG_NID', /nid 0x30/);
  assert.equal(pool.size, 0);
});

test('TIMESTAMP_OUT_OF_WINDOW: too old or too far ahead; the window edges are inside', async () => {
  const { pool } = fixture();
  const old = makeTx({ timestamp: T0 - WINDOW - 1n });
  const ahead = makeTx({ timestamp: T0 + WINDOW + 1n });
  await rejectsWith(
    pool.add(old),
    'TIMESTAMP_OUT_OF_WINDOW',
    new RegExp(`${WINDOW + 1n} µs behind the node clock \\(${T0} µs\\); the window is ±${WINDOW} µs`),
  );
  await rejectsWith(pool.add(ahead), 'TIMESTAMP_OUT_OF_WINDOW', /ahead of the node clock/);
  await pool.add(makeTx({ timestamp: T0 - WINDOW }));
  await pool.add(makeTx({ timestamp: T0 + WINDOW }));
  assert.equal(pool.size, 2);
});

test('DUPLICATE: the same transaction twice', async () => {
  const { pool, asked } = fixture();
  const tx = makeTx();
  await pool.add(tx);
  await rejectsWith(pool.add(tx), 'DUPLICATE', new RegExp(`0x${keyOf(tx)} is already in the mempool`));
  assert.equal(pool.size, 1);
  assert.equal(asked.length, 1, 'a duplicate is refused without asking the ledger');
});

test('ALREADY_COMMITTED: the ledger has it; nothing is admitted and nothing stays reserved', async () => {
  const { pool, committed } = fixture({ maxTransactions: 1 });
  const tx = makeTx();
  committed.add(keyOf(tx));
  await rejectsWith(pool.add(tx), 'ALREADY_COMMITTED');
  assert.equal(pool.size, 0);
  assert.equal(pool.bytes, 0);
  await pool.add(makeTx());
  assert.equal(pool.size, 1, 'the refused admission released its reservation');
});

test('MEMPOOL_FULL by count: refuses with the bound and never evicts', async () => {
  const { pool } = fixture({ maxTransactions: 3 });
  const admitted = [makeTx(), makeTx(), makeTx()];
  for (const tx of admitted) await pool.add(tx);
  const e = await rejectsWith(pool.add(makeTx()), 'MEMPOOL_FULL', /holds 3 transactions.*bound is 3/);
  assert.deepEqual(e.detail, { held: 3, limit: 3 });
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes(admitted), 'nothing was evicted');
  await rejectsWith(pool.add(admitted[0]!), 'DUPLICATE', undefined);
  pool.remove([admitted[1]!.hash]);
  await pool.add(makeTx());
  assert.equal(pool.size, 3);
});

test('MEMPOOL_FULL by bytes: refuses with the bound and never evicts', async () => {
  const a = makeTx({ payload: 200 });
  const b = makeTx({ payload: 200 });
  const c = makeTx({ payload: 10 });
  const maxBytes = sizeOf(a) + sizeOf(b) + sizeOf(c) - 1;
  const { pool } = fixture({ maxBytes, maxTxBytes: maxBytes });
  await pool.add(a);
  await pool.add(b);
  await rejectsWith(
    pool.add(c),
    'MEMPOOL_FULL',
    new RegExp(`holds ${sizeOf(a) + sizeOf(b)} bytes.*needs ${sizeOf(c)} more.*bound is ${maxBytes} bytes`),
  );
  assert.equal(pool.bytes, sizeOf(a) + sizeOf(b));
  const smaller = makeTx({ payload: 9 });
  await pool.add(smaller);
  assert.equal(pool.bytes, maxBytes - 1);
});

test('take returns admission order, honours maxCount and does not remove', async () => {
  const { pool } = fixture();
  const txs = Array.from({ length: 8 }, (_, i) => makeTx({ nonce: 1000 - i }));
  for (const tx of txs) await pool.add(tx);
  assert.deepEqual(hashes(pool.take(100, 1 << 30)), hashes(txs));
  assert.deepEqual(hashes(pool.take(3, 1 << 30)), hashes(txs.slice(0, 3)));
  assert.deepEqual(pool.take(0, 1 << 30), []);
  assert.deepEqual(pool.take(5, 0), []);
  assert.equal(pool.size, 8);
});

test('take skips hashes in exclude (transactions in uncommitted ancestor blocks)', async () => {
  const { pool } = fixture();
  const txs = Array.from({ length: 6 }, () => makeTx());
  for (const tx of txs) await pool.add(tx);
  const exclude = new Set([keyOf(txs[0]!), keyOf(txs[3]!), 'ff'.repeat(32)]);
  assert.deepEqual(hashes(pool.take(3, 1 << 30, exclude)), hashes([txs[1]!, txs[2]!, txs[4]!]));
  assert.equal(pool.size, 6);
});

test('take stays within maxBytes, skipping what does not fit and keeping the order', async () => {
  const { pool } = fixture();
  const small1 = makeTx({ payload: 10 });
  const big = makeTx({ payload: 500 });
  const small2 = makeTx({ payload: 10 });
  const small3 = makeTx({ payload: 10 });
  for (const tx of [small1, big, small2, small3]) await pool.add(tx);
  const budget = sizeOf(small1) + sizeOf(small2) + sizeOf(small3);
  assert.ok(sizeOf(big) > budget - sizeOf(small1));
  assert.deepEqual(hashes(pool.take(10, budget)), hashes([small1, small2, small3]));
  assert.deepEqual(hashes(pool.take(10, budget - 1)), hashes([small1, small2]));
  pool.remove([small1.hash]);
  assert.deepEqual(hashes(pool.take(10, sizeOf(big))), hashes([big]), 'the head gets the whole budget');
  const all = pool.take(10, 1 << 30);
  assert.equal(
    all.reduce((n, tx) => n + sizeOf(tx), 0),
    pool.bytes,
  );
});

test('take drops transactions whose timestamp fell out of the window', async () => {
  const { pool, clock } = fixture();
  const early = makeTx({ timestamp: T0 - 60_000_000n });
  const late = makeTx({ timestamp: T0 + 60_000_000n });
  const mid = makeTx({ timestamp: T0 });
  for (const tx of [early, late, mid]) await pool.add(tx);
  clock.us = T0 + WINDOW - 60_000_000n; // early is exactly at the edge: still valid
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes([early, late, mid]));
  clock.us += 1n;
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes([late, mid]));
  assert.equal(pool.has(early.hash), false);
  assert.equal(pool.size, 2);
  assert.equal(pool.bytes, sizeOf(late) + sizeOf(mid));
  clock.us = T0 + WINDOW + 1n;
  const excluded = new Set([keyOf(mid)]);
  assert.deepEqual(hashes(pool.take(10, 1 << 30, excluded)), hashes([late]));
  assert.equal(pool.has(mid.hash), false, 'an expired excluded transaction is dropped as well');
});

test('prune drops expired transactions and returns how many', async () => {
  const { pool, clock } = fixture();
  const txs = [0n, 10n, 20n, 30n].map((s) => makeTx({ timestamp: T0 + s * 1_000_000n }));
  for (const tx of txs) await pool.add(tx);
  assert.equal(pool.prune(), 0);
  clock.us = T0 + WINDOW + 15_000_000n;
  assert.equal(pool.prune(), 2);
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes(txs.slice(2)));
  assert.equal(pool.bytes, sizeOf(txs[2]!) + sizeOf(txs[3]!));
  assert.equal(pool.prune(), 0);
  clock.us += 1_000_000_000n;
  assert.equal(pool.prune(), 2);
  assert.equal(pool.size, 0);
  assert.equal(pool.bytes, 0);
});

test('remove drops by hash, ignores unknown hashes and frees capacity', async () => {
  const { pool } = fixture({ maxTransactions: 3 });
  const txs = [makeTx(), makeTx(), makeTx()];
  for (const tx of txs) await pool.add(tx);
  pool.remove([txs[0]!.hash, txs[2]!.hash, makeTx().hash]);
  assert.equal(pool.size, 1);
  assert.equal(pool.bytes, sizeOf(txs[1]!));
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes([txs[1]!]));
  pool.remove([]);
  await pool.add(txs[0]!);
  assert.deepEqual(hashes(pool.take(10, 1 << 30)), hashes([txs[1]!, txs[0]!]), 're-added goes to the back');
});

test('concurrent adds of the same transaction: exactly one wins, the others are DUPLICATE', async () => {
  const gate = deferred<boolean>();
  let asks = 0;
  const { pool } = fixture({
    isCommitted: () => {
      asks++;
      return gate.promise;
    },
  });
  const added: Transaction[] = [];
  pool.onAdded((tx) => added.push(tx));
  const tx = makeTx();
  const results = Array.from({ length: 5 }, () => pool.add(tx));
  assert.equal(pool.has(tx.hash), false, 'not admitted before the ledger answers');
  gate.resolve(false);
  const settled = await Promise.allSettled(results);
  assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
  for (const s of settled) {
    if (s.status === 'rejected') assert.equal((s.reason as MempoolError).code, 'DUPLICATE');
  }
  assert.equal(asks, 1);
  assert.equal(pool.size, 1);
  assert.equal(added.length, 1);
});

test('concurrent admissions reserve capacity, so the bound holds while the ledger is asked', async () => {
  const gate = deferred<boolean>();
  const { pool } = fixture({ maxTransactions: 2, isCommitted: () => gate.promise });
  const pending = [pool.add(makeTx()), pool.add(makeTx())];
  await rejectsWith(pool.add(makeTx()), 'MEMPOOL_FULL', /holds 2 transactions \(2 being admitted\)/);
  gate.resolve(false);
  await Promise.all(pending);
  assert.equal(pool.size, 2);
});

test('a failing ledger check rejects the add and releases its reservation', async () => {
  const failure = new Error('ledger unavailable');
  let fail = true;
  const { pool } = fixture({
    maxTransactions: 1,
    isCommitted: async () => {
      if (fail) throw failure;
      return false;
    },
  });
  const tx = makeTx();
  await assert.rejects(pool.add(tx), (e) => e === failure);
  assert.equal(pool.size, 0);
  fail = false;
  await pool.add(tx);
  assert.equal(pool.size, 1);
});

test('a transaction removed (committed) while its admission is in flight is ALREADY_COMMITTED', async () => {
  const gate = deferred<boolean>();
  const { pool } = fixture({ isCommitted: () => gate.promise });
  const tx = makeTx();
  const adding = pool.add(tx);
  pool.remove([tx.hash]); // a block with it commits before the ledger read answers
  gate.resolve(false);
  await rejectsWith(adding, 'ALREADY_COMMITTED');
  assert.equal(pool.has(tx.hash), false);
});

test('onAdded listeners hear each admission until they unsubscribe', async () => {
  const { pool, committed } = fixture();
  const heard: string[] = [];
  const other: string[] = [];
  const off = pool.onAdded((tx) => heard.push(keyOf(tx)));
  pool.onAdded((tx) => other.push(keyOf(tx)));
  const a = makeTx();
  const b = makeTx();
  const refused = makeTx();
  committed.add(keyOf(refused));
  await pool.add(a);
  await rejectsWith(pool.add(refused), 'ALREADY_COMMITTED');
  await rejectsWith(pool.add(a), 'DUPLICATE');
  off();
  off(); // idempotent
  await pool.add(b);
  assert.deepEqual(heard, [keyOf(a)]);
  assert.deepEqual(other, [keyOf(a), keyOf(b)]);
});

test('a throwing listener does not silence the others and its error surfaces after admission', async () => {
  const { pool } = fixture();
  const bug = new Error('listener bug');
  const heard: Transaction[] = [];
  pool.onAdded(() => {
    throw bug;
  });
  pool.onAdded((tx) => heard.push(tx));
  const tx = makeTx();
  await assert.rejects(pool.add(tx), (e) => e === bug);
  assert.equal(heard.length, 1);
  assert.ok(pool.has(tx.hash));
});

test('constructor refuses inconsistent bounds with a precise message', () => {
  const base: MempoolOptions = {
    nid: NID,
    maxTransactions: 10,
    maxBytes: 1000,
    maxTxBytes: 100,
    timestampWindowUs: WINDOW,
    now: () => T0,
    isCommitted: async () => false,
  };
  assert.throws(() => new Mempool({ ...base, maxTransactions: 0 }), /maxTransactions must be a positive/);
  assert.throws(
    () => new Mempool({ ...base, maxBytes: 1.5 }),
    /maxBytes must be a positive integer, got 1.5/,
  );
  assert.throws(() => new Mempool({ ...base, maxTxBytes: 2000 }), /maxTxBytes \(2000\) must not exceed/);
  assert.throws(() => new Mempool({ ...base, timestampWindowUs: -1n }), /timestampWindowUs must be ≥ 0/);
  assert.doesNotThrow(() => new Mempool(base));
});

test('take of 1,000 from 10,000 past 2,000 excluded returns the next 1,000 in order', async () => {
  const { pool } = fixture();
  const txs = Array.from({ length: 10_000 }, () => makeTx());
  for (const tx of txs) await pool.add(tx);
  assert.equal(pool.size, 10_000);
  const exclude = new Set(txs.slice(0, 2_000).map(keyOf));
  const taken = pool.take(1_000, 1 << 30, exclude);
  assert.deepEqual(hashes(taken), hashes(txs.slice(2_000, 3_000)));
  pool.remove(txs.slice(0, 2_000).map((t) => t.hash));
  assert.deepEqual(hashes(pool.take(1_000, 1 << 30)), hashes(txs.slice(2_000, 3_000)));
  assert.equal(
    pool.bytes,
    txs.slice(2_000).reduce((n, t) => n + sizeOf(t), 0),
  );
});
