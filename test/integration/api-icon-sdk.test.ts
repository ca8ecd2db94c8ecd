/**
 * icon-sdk-js 1.5.3, the published ICON client, against the JSON-RPC server listening on 127.0.0.1: it builds
 * and signs a call transaction, sends it, and reads the result, the transaction, blocks, a readonly call and
 * the SCORE api through its own converters — proof that it parses our answers. Behind the API is a channel
 * double whose execution is the real SCORE runtime (applyBlock with the counter fixture SCORE).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import sdk from 'icon-sdk-js';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/server.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { call as icxCall, getScoreApi } from '../../src/score/query.js';
import { FakeChannel, type FakeExecutor } from '../helpers/fake-channel.js';
import {
  IconConverter,
  IconUtil,
  IconWallet,
  SignedTransaction,
  type SdkWallet,
} from '../helpers/icon-sdk.js';
import { ctxAt, fixture, TestChain } from '../helpers/score-chain.js';

type Exec<T> = { execute(): Promise<T> };
interface SdkBlock {
  height: number;
  blockHash: string;
  prevBlockHash: string;
  timeStamp: number;
  peerId: string;
  confirmedTransactionList: { txHash: string; from: string; to: string; data: unknown }[];
}
interface SdkResult {
  status: number;
  txHash: string;
  txIndex: number;
  blockHeight: number;
  blockHash: string;
  eventLogs?: { scoreAddress: string; indexed: string[]; data: string[] }[];
  failure?: { code: string; message: string };
}
interface SdkService {
  sendTransaction(tx: unknown): Exec<string>;
  sendTransactionAndWait(tx: unknown): Exec<Record<string, unknown>>;
  getTransactionResult(hash: string): Exec<SdkResult>;
  waitTransactionResult(hash: string): Exec<SdkResult>;
  getTransaction(
    hash: string,
  ): Exec<{ txHash: string; blockHeight: number; blockHash: string; txIndex: number; from: string }>;
  getLastBlock(): Exec<SdkBlock>;
  getBlockByHeight(height: unknown): Exec<SdkBlock>;
  getBlockByHash(hash: string): Exec<SdkBlock>;
  call(call: unknown): Exec<unknown>;
  getScoreApi(
    address: string,
  ): Exec<{ getList(): { name: string; type: string }[]; getMethod(name: string): unknown }>;
}
const m = sdk as unknown as {
  IconService: new (provider: unknown) => SdkService;
  HttpProvider: new (url: string) => unknown;
};
const Builder = (
  sdk as unknown as { Builder: Record<string, new () => Record<string, (...a: unknown[]) => unknown>> }
).Builder;

let app: FastifyInstance;
let channel: FakeChannel;
let service: SdkService;
let counter: string;
let wallet: SdkWallet;
let sdkNonce = 0;

function buildAdd(amount: number): unknown {
  sdkNonce += 1;
  const b = new Builder.CallTransactionBuilder!() as Record<string, (...a: unknown[]) => unknown>;
  let chain: Record<string, (...a: unknown[]) => unknown> = b;
  const step = (name: string, ...args: unknown[]): void => {
    chain = chain[name]!(...args) as Record<string, (...a: unknown[]) => unknown>;
  };
  step('from', wallet.getAddress());
  step('to', counter);
  step('stepLimit', IconConverter.toBigNumber('0x100000'));
  step('nid', IconConverter.toBigNumber('0x7'));
  step('nonce', IconConverter.toBigNumber(sdkNonce));
  step('version', IconConverter.toBigNumber('0x3'));
  step('timestamp', 1_764_460_800_000_000 + sdkNonce);
  step('method', 'add');
  step('params', { amount: `0x${amount.toString(16)}` });
  return new SignedTransaction(chain.build!() as object, wallet);
}

function readonlyCall(method: string): unknown {
  const b = new Builder.CallBuilder!() as Record<string, (...a: unknown[]) => unknown>;
  let chain: Record<string, (...a: unknown[]) => unknown> = b;
  for (const [name, arg] of [
    ['to', counter],
    ['method', method],
  ] as const) {
    chain = chain[name]!(arg) as Record<string, (...a: unknown[]) => unknown>;
  }
  return chain.build!();
}

before(async () => {
  const chain = await TestChain.start();
  counter = chain.deployActive(await fixture('counter'));
  const executor: FakeExecutor = {
    execute: (txs, height) => chain.block([...txs]).receipts.map((r) => ({ ...r, blockHeight: height })),
    call: (query) => icxCall(chain.state, query, ctxAt(chain.height)),
    scoreApi: (address) => getScoreApi(chain.state, address),
  };
  channel = new FakeChannel({ channel: 'chat', nid: '0x7', executor });
  wallet = IconWallet.loadPrivateKey('11'.repeat(32));
  app = createApiServer({ channels: new Map([['chat', channel]]), limits: { maxWaitMs: 5_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  // ICON clients usually post to /api/v3: the first channel.
  service = new m.IconService(new m.HttpProvider(`http://127.0.0.1:${port}/api/v3`));
});

after(async () => {
  await app.close();
});

describe('icon-sdk-js against the JSON-RPC server', () => {
  let txHash: string;

  test('sendTransaction answers the hash icon-sdk-js computes; the result is Pending until commit', async () => {
    const signed = buildAdd(5) as { getProperties(): Record<string, unknown> };
    txHash = await service.sendTransaction(signed).execute();
    assert.match(txHash, /^0x[0-9a-f]{64}$/);
    const { signature: _s, ...unsigned } = signed.getProperties();
    assert.equal(txHash, `0x${IconUtil.makeTxHash(unsigned)}`);
    assert.equal(txHash, `0x${bytesToHex(channel.submitted.at(-1)!.hash)}`);
    await assert.rejects(service.getTransactionResult(txHash).execute(), /Pending/);
  });

  test('getTransactionResult parses the committed result', async () => {
    const block = channel.commitPending();
    const r = await service.getTransactionResult(txHash).execute();
    assert.equal(r.status, 1);
    assert.equal(r.txHash, txHash);
    assert.equal(r.txIndex, 0);
    assert.equal(r.blockHeight, block.block.header!.height);
    assert.equal(r.blockHash, `0x${bytesToHex(block.hash)}`);
    assert.equal(r.eventLogs?.[0]?.scoreAddress, counter);
    assert.deepEqual(r.eventLogs?.[0]?.data, ['0x5']);
  });

  test('getTransaction parses the transaction with its place', async () => {
    const t = await service.getTransaction(txHash).execute();
    assert.equal(t.txHash, txHash);
    assert.equal(t.from, wallet.getAddress());
    assert.equal(t.txIndex, 0);
    assert.equal(t.blockHeight, channel.blocks.length - 1);
  });

  test('getLastBlock, getBlockByHeight and getBlockByHash parse our blocks', async () => {
    const last = await service.getLastBlock().execute();
    const tip = channel.blocks.at(-1)!;
    assert.equal(last.height, tip.block.header!.height);
    assert.equal(last.blockHash, `0x${bytesToHex(tip.hash)}`);
    assert.equal(last.prevBlockHash, `0x${bytesToHex(tip.block.header!.prevHash)}`);
    assert.equal(last.timeStamp, tip.block.header!.timestamp);
    assert.equal(last.confirmedTransactionList[0]?.txHash, txHash);
    const byHeight = await service.getBlockByHeight(IconConverter.toBigNumber(last.height)).execute();
    assert.equal(byHeight.blockHash, last.blockHash);
    const byHash = await service.getBlockByHash(last.blockHash).execute();
    assert.equal(byHash.height, last.height);
    const genesis = await service.getBlockByHeight(IconConverter.toBigNumber(0)).execute();
    assert.equal(genesis.height, 0);
    assert.deepEqual(genesis.confirmedTransactionList, []);
  });

  test('call runs the readonly method on the committed state', async () => {
    assert.equal(await service.call(readonlyCall('value')).execute(), '0x5');
  });

  test('a failed call surfaces as an error in the SDK', async () => {
    await assert.rejects(service.call(readonlyCall('noSuchMethod')).execute(), /RPC ERROR/);
  });

  test('getScoreApi parses the api list', async () => {
    const api = await service.getScoreApi(counter).execute();
    const names = api.getList().map((e) => `${e.type}:${e.name}`);
    assert.ok(names.includes('function:value'));
    assert.ok(names.includes('eventlog:Added'));
    assert.ok(api.getMethod('add') !== undefined);
  });

  test('sendTransactionAndWait and waitTransactionResult answer once the block commits', async () => {
    // Commits as soon as the transaction reaches the pool, while the SDK's request is waiting.
    const timer = setInterval(() => {
      if (channel.pending.size > 0) channel.commitPending();
    }, 5);
    try {
      const result = await service.sendTransactionAndWait(buildAdd(2)).execute();
      assert.equal(result.status, '0x1');
      const waited = await service.waitTransactionResult(result.txHash as string).execute();
      assert.equal(waited.status, 1);
    } finally {
      clearInterval(timer);
    }
    assert.equal(await service.call(readonlyCall('value')).execute(), '0x7');
  });
});
