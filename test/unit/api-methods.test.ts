/**
 * Every JSON-RPC method of the node API against the fake channel (real signed transactions, real blocks),
 * through fastify.inject: results in ICON's shapes, and each method's error paths with ICON's codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/server.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { blockHash } from '../../src/ledger/block.js';
import { LoopchainError } from '../../src/errors.js';
import { FakeChannel, FAKE_SCORE, PROPOSER, signedCall } from '../helpers/fake-channel.js';

interface Answer {
  status: number;
  body: {
    jsonrpc: string;
    id: unknown;
    result?: unknown;
    error?: { code: number; message: string; data?: Record<string, unknown> };
  };
}

let app: FastifyInstance;
let chat: FakeChannel;
let nextId = 1;

async function rpc(
  method: string,
  params?: unknown,
  path = '/api/v3/chat',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const id = nextId++;
  const res = await app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }),
  });
  const body = res.json() as Answer['body'];
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, id);
  return { status: res.statusCode, body };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition never held');
}

function expectError(a: Answer, status: number, code: number, dataCode?: string): void {
  assert.equal(a.status, status, JSON.stringify(a.body));
  assert.equal(a.body.error?.code, code, JSON.stringify(a.body));
  assert.equal(a.body.result, undefined);
  if (dataCode !== undefined) assert.equal(a.body.error?.data?.code, dataCode, JSON.stringify(a.body));
}

before(() => {
  chat = new FakeChannel({ channel: 'chat', nid: '0x7' });
  app = createApiServer({
    channels: new Map([
      ['chat', chat],
      ['kofia', new FakeChannel({ channel: 'kofia', nid: '0x8' })],
    ]),
    limits: { maxWaitMs: 300 },
  });
});

after(async () => {
  await app.close();
});

describe('icx_sendTransaction', () => {
  test('admits a signed transaction and answers its hash', async () => {
    const params = signedCall('poke');
    const a = await rpc('icx_sendTransaction', params);
    assert.equal(a.status, 200);
    const hash = chat.submitted.at(-1)!.hash;
    assert.equal(a.body.result, `0x${bytesToHex(hash)}`);
    assert.equal(chat.isPending(hash), true);
  });

  test('a bad signature is -32602 naming the signature', async () => {
    const params = signedCall('poke');
    const other = signedCall('poke');
    const a = await rpc('icx_sendTransaction', { ...params, signature: other.signature });
    expectError(a, 400, -32602, 'SIGNER_MISMATCH');
    assert.equal(a.body.error?.data?.field, 'signature');
  });

  test('a signature that is not base64 is INVALID_SIGNATURE', async () => {
    const a = await rpc('icx_sendTransaction', { ...signedCall('poke'), signature: 'not base64!' });
    expectError(a, 400, -32602, 'INVALID_SIGNATURE');
  });

  test('a malformed field is -32602 naming the field', async () => {
    const a = await rpc('icx_sendTransaction', { ...signedCall('poke'), stepLimit: '0x0010' });
    expectError(a, 400, -32602, 'INVALID_FIELD');
    assert.equal(a.body.error?.data?.field, 'stepLimit');
    assert.match(a.body.error!.message, /stepLimit/);
  });

  test('a missing field and an unknown field are named', async () => {
    const { timestamp: _t, ...rest } = signedCall('poke');
    expectError(await rpc('icx_sendTransaction', rest), 400, -32602, 'MISSING_FIELD');
    const b = await rpc('icx_sendTransaction', { ...signedCall('poke'), extra: '0x1' });
    expectError(b, 400, -32602, 'UNKNOWN_FIELD');
    assert.equal(b.body.error?.data?.field, 'extra');
  });

  test('params that are not an object are -32602', async () => {
    expectError(await rpc('icx_sendTransaction', ['0x1']), 400, -32602);
    expectError(await rpc('icx_sendTransaction'), 400, -32602);
  });

  test('a wrong nid (refused by the channel) is -32602 on field nid', async () => {
    const a = await rpc('icx_sendTransaction', signedCall('poke', { nid: '0x8' }));
    expectError(a, 400, -32602, 'WRONG_NID');
    assert.equal(a.body.error?.data?.field, 'nid');
    assert.match(String(a.body.error?.data?.txHash), /^0x[0-9a-f]{64}$/);
  });

  test('a duplicate is a system error, a full pool is Pool overflow, syncing is Lack of resource', async () => {
    const params = signedCall('poke');
    assert.equal((await rpc('icx_sendTransaction', params)).status, 200);
    expectError(await rpc('icx_sendTransaction', params), 500, -31000, 'DUPLICATE');
    chat.failSubmit = () => new LoopchainError('MEMPOOL_FULL', 'full');
    expectError(await rpc('icx_sendTransaction', signedCall('poke')), 500, -31001, 'MEMPOOL_FULL');
    chat.failSubmit = () => new LoopchainError('NODE_SYNCING', 'syncing');
    expectError(await rpc('icx_sendTransaction', signedCall('poke')), 500, -31005, 'NODE_SYNCING');
    chat.failSubmit = () => new LoopchainError('TIMESTAMP_OUT_OF_WINDOW', 'too old');
    const old = await rpc('icx_sendTransaction', signedCall('poke'));
    expectError(old, 400, -32602, 'TIMESTAMP_OUT_OF_WINDOW');
    assert.equal(old.body.error?.data?.field, 'timestamp');
    chat.failSubmit = () => new Error('leveldb exploded at /var/lib/secret');
    const boom = await rpc('icx_sendTransaction', signedCall('poke'));
    expectError(boom, 500, -32603, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(boom.body), /leveldb|secret/);
    chat.failSubmit = undefined;
  });

  test('a committed transaction sent again is ALREADY_COMMITTED', async () => {
    const params = signedCall('poke');
    await rpc('icx_sendTransaction', params);
    chat.commitPending();
    expectError(await rpc('icx_sendTransaction', params), 500, -31000, 'ALREADY_COMMITTED');
  });
});

describe('icx_getTransactionResult and icx_getTransactionByHash', () => {
  test('pending is -31002, committed is the result, unknown is -31004', async () => {
    const params = signedCall('poke');
    const txHash = (await rpc('icx_sendTransaction', params)).body.result as string;
    const pending = await rpc('icx_getTransactionResult', { txHash });
    expectError(pending, 500, -31002, 'PENDING');
    assert.equal(pending.body.error?.data?.txHash, txHash);
    expectError(await rpc('icx_getTransactionByHash', { txHash }), 500, -31002, 'PENDING');

    const block = chat.commitPending();
    const result = await rpc('icx_getTransactionResult', { txHash });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body.result, {
      status: '0x1',
      to: FAKE_SCORE,
      txHash,
      txIndex: '0x0',
      blockHeight: `0x${block.block.header!.height.toString(16)}`,
      blockHash: `0x${bytesToHex(block.hash)}`,
      cumulativeStepUsed: '0x0',
      stepUsed: '0x0',
      stepPrice: '0x0',
      eventLogs: [{ scoreAddress: FAKE_SCORE, indexed: ['Called(str)', 'poke'], data: [] }],
    });

    const tx = await rpc('icx_getTransactionByHash', { txHash });
    assert.deepEqual(tx.body.result, {
      ...params,
      txHash,
      txIndex: '0x0',
      blockHeight: `0x${block.block.header!.height.toString(16)}`,
      blockHash: `0x${bytesToHex(block.hash)}`,
    });

    const unknown = `0x${'ab'.repeat(32)}`;
    expectError(await rpc('icx_getTransactionResult', { txHash: unknown }), 404, -31004, 'TX_NOT_FOUND');
    expectError(await rpc('icx_getTransactionByHash', { txHash: unknown }), 404, -31004, 'TX_NOT_FOUND');
  });

  test('a failed transaction has status 0x0 and its failure', async () => {
    const txHash = (await rpc('icx_sendTransaction', signedCall('fail'))).body.result as string;
    chat.commitPending();
    const r = (await rpc('icx_getTransactionResult', { txHash })).body.result as Record<string, unknown>;
    assert.equal(r.status, '0x0');
    assert.deepEqual(r.failure, { code: 'SCORE_REVERT', message: 'failed on purpose', scoreCode: '1' });
  });

  test('bad hex is -32602 naming txHash', async () => {
    for (const txHash of ['0xABCD', `0x${'AB'.repeat(32)}`, 'ab'.repeat(32), `0x${'ab'.repeat(33)}`, 12]) {
      const a = await rpc('icx_getTransactionResult', { txHash });
      expectError(a, 400, -32602, 'INVALID_PARAMS');
      assert.equal(a.body.error?.data?.field, 'params.txHash');
    }
    const missing = await rpc('icx_getTransactionResult', {});
    expectError(missing, 400, -32602);
    assert.equal(missing.body.error?.data?.field, 'params.txHash');
    assert.match(missing.body.error!.message, /params\.txHash is required/);
    const extra = await rpc('icx_getTransactionByHash', { txHash: `0x${'ab'.repeat(32)}`, height: '0x1' });
    expectError(extra, 400, -32602);
    assert.match(extra.body.error!.message, /unknown property 'height'/);
  });
});

describe('waiting for a commit', () => {
  test('icx_sendTransactionAndWait answers the result once the block commits', async () => {
    const params = signedCall('poke');
    const answer = rpc('icx_sendTransactionAndWait', params);
    await until(() => chat.waiterCount() > 0);
    chat.commitPending();
    const a = await answer;
    assert.equal(a.status, 200);
    assert.equal((a.body.result as { status: string }).status, '0x1');
  });

  test('icx_sendTransactionAndWait times out: -31006 at the default, -31007 when the cap cuts a longer wish', async () => {
    const a = await rpc('icx_sendTransactionAndWait', signedCall('poke'));
    expectError(a, 500, -31006, 'TIMEOUT');
    assert.match(String(a.body.error?.data?.txHash), /^0x[0-9a-f]{64}$/);
    const b = await rpc('icx_sendTransactionAndWait', signedCall('poke'), '/api/v3/chat', {
      'icon-options': 'timeout=60000',
    });
    expectError(b, 500, -31007, 'SYSTEM_TIMEOUT');
    assert.match(b.body.error!.message, /300 ms/);
    assert.equal(chat.waiterCount(), 0);
    chat.commitPending();
  });

  test('icx_waitTransactionResult honours Icon-Options timeout: -31006 Timeout', async () => {
    const txHash = (await rpc('icx_sendTransaction', signedCall('poke'))).body.result as string;
    const a = await rpc('icx_waitTransactionResult', { txHash }, '/api/v3/chat', {
      'icon-options': 'timeout=30',
    });
    expectError(a, 500, -31006, 'TIMEOUT');
    assert.equal(a.body.error?.data?.txHash, txHash);
    assert.equal(chat.waiterCount(), 0);
    const waiting = rpc('icx_waitTransactionResult', { txHash });
    await until(() => chat.waiterCount() > 0);
    chat.commitPending();
    assert.equal(((await waiting).body.result as { txHash: string }).txHash, txHash);
    // Already committed: answers at once.
    assert.equal(
      ((await rpc('icx_waitTransactionResult', { txHash })).body.result as { txHash: string }).txHash,
      txHash,
    );
  });

  test('icx_waitTransactionResult on an unknown hash is -31004 at once', async () => {
    expectError(await rpc('icx_waitTransactionResult', { txHash: `0x${'cd'.repeat(32)}` }), 404, -31004);
  });

  test('icx_sendTransactionAndWait refuses a bad transaction before waiting', async () => {
    const a = await rpc('icx_sendTransactionAndWait', {
      ...signedCall('poke'),
      nid: '0x7',
      signature: 'AAAA',
    });
    expectError(a, 400, -32602, 'INVALID_SIGNATURE');
  });
});

describe('blocks', () => {
  test('icx_getLastBlock, icx_getBlockByHeight and icx_getBlockByHash answer the same ICON block', async () => {
    const params = signedCall('poke');
    await rpc('icx_sendTransaction', params);
    const committed = chat.commitPending();
    const h = committed.block.header!;
    const last = await rpc('icx_getLastBlock');
    assert.equal(last.status, 200);
    const b = last.body.result as Record<string, unknown>;
    assert.equal(b.height, h.height);
    assert.equal(b.block_hash, bytesToHex(committed.hash));
    assert.equal(b.block_hash, bytesToHex(blockHash(h)));
    assert.equal(b.prev_block_hash, bytesToHex(h.prevHash));
    assert.equal(b.merkle_tree_root_hash, bytesToHex(h.transactionsRoot));
    assert.equal(b.time_stamp, h.timestamp);
    assert.equal(b.peer_id, PROPOSER.address);
    assert.equal(b.signature, Buffer.from(committed.block.signature).toString('base64'));
    assert.equal(b.version, '0x1');
    assert.equal(b.channel, 'chat');
    assert.equal(b.round, '0x1');
    assert.equal(b.stateRoot, `0x${bytesToHex(h.stateRoot)}`);
    assert.equal(b.receiptsRoot, `0x${bytesToHex(h.receiptsRoot)}`);
    assert.equal(b.certLogRoot, `0x${bytesToHex(h.certLogRoot)}`);
    assert.equal(b.certLogSize, '0x0');
    assert.equal(b.validatorsHash, `0x${bytesToHex(h.validatorsHash)}`);
    assert.equal(b.nextValidatorsHash, `0x${bytesToHex(h.nextValidatorsHash)}`);
    const justify = b.justify as {
      qc: { height: string; blockHash: string; votes: { validator: string }[] };
    };
    assert.equal(justify.qc.height, `0x${(h.height - 1).toString(16)}`);
    assert.equal(justify.qc.votes[0]!.validator, PROPOSER.address);
    const list = b.confirmed_transaction_list as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.deepEqual(list[0], { ...params, txHash: `0x${bytesToHex(committed.transactions[0]!.hash)}` });

    const byHeight = await rpc('icx_getBlockByHeight', { height: `0x${h.height.toString(16)}` });
    assert.deepEqual(byHeight.body.result, b);
    const byHash = await rpc('icx_getBlockByHash', { hash: `0x${b.block_hash as string}` });
    assert.deepEqual(byHash.body.result, b);
    // The legacy form without 0x (as block_hash is given) is accepted too.
    assert.deepEqual((await rpc('icx_getBlockByHash', { hash: b.block_hash })).body.result, b);
  });

  test('genesis has no parent, proposer or signature', async () => {
    const g = (await rpc('icx_getBlockByHeight', { height: '0x0' })).body.result as Record<string, unknown>;
    assert.equal(g.height, 0);
    assert.equal(g.prev_block_hash, '');
    assert.equal(g.peer_id, '');
    assert.equal(g.signature, '');
    assert.equal(g.justify, null);
    assert.deepEqual(g.confirmed_transaction_list, []);
  });

  test('a height past the tip or a hash of no block is -31004', async () => {
    expectError(await rpc('icx_getBlockByHeight', { height: '0x99999' }), 404, -31004, 'BLOCK_NOT_FOUND');
    expectError(await rpc('icx_getBlockByHeight', { height: '0xffffffffffffff' }), 404, -31004);
    expectError(
      await rpc('icx_getBlockByHash', { hash: `0x${'ee'.repeat(32)}` }),
      404,
      -31004,
      'BLOCK_NOT_FOUND',
    );
  });

  test('malformed heights and hashes are -32602', async () => {
    for (const height of ['0x01', '10', '0xG', '-0x1', 5, null, '0x' + 'f'.repeat(20)]) {
      const a = await rpc('icx_getBlockByHeight', { height });
      expectError(a, 400, -32602);
      assert.equal(a.body.error?.data?.field, 'params.height');
    }
    expectError(await rpc('icx_getBlockByHeight', {}), 400, -32602);
    expectError(await rpc('icx_getBlockByHash', { hash: '0x1234' }), 400, -32602);
    expectError(await rpc('icx_getLastBlock', { height: '0x1' }), 400, -32602);
  });

  test('icx_getLastBlock accepts no params, {} and null', async () => {
    assert.equal((await rpc('icx_getLastBlock', {})).status, 200);
    assert.equal((await rpc('icx_getLastBlock', null)).status, 200);
  });
});

describe('icx_call', () => {
  const call = (method: string, extra: Record<string, unknown> = {}, to = FAKE_SCORE): Promise<Answer> =>
    rpc('icx_call', { to, dataType: 'call', data: { method, ...extra } });

  test('answers the readonly method result, including null', async () => {
    assert.equal((await call('hello')).body.result, 'world');
    assert.deepEqual((await call('echo', { params: { value: { a: ['0x1', null] } } })).body.result, {
      a: ['0x1', null],
    });
    const nothing = await call('nothing');
    assert.equal(nothing.status, 200);
    assert.ok('result' in nothing.body);
    assert.equal(nothing.body.result, null);
    const withFrom = await rpc('icx_call', {
      from: PROPOSER.address,
      to: FAKE_SCORE,
      dataType: 'call',
      data: { method: 'hello' },
    });
    assert.equal(withFrom.body.result, 'world');
  });

  test('SCORE failures map to -30000 minus the ICON failure code, with our code in data', async () => {
    expectError(await call('hello', {}, `cx${'12'.repeat(20)}`), 400, -30002, 'SCORE_NOT_FOUND');
    expectError(await call('missing'), 400, -30003, 'METHOD_NOT_FOUND');
    expectError(await call('write'), 400, -30003, 'METHOD_NOT_READONLY');
    const revert = await call('revert');
    expectError(revert, 400, -30039, 'SCORE_REVERT');
    assert.equal(revert.body.error?.data?.scoreCode, '7');
    assert.equal(revert.body.error?.message, 'not allowed');
  });

  test('a host bug is -32603 without its detail', async () => {
    const a = await call('boom');
    expectError(a, 500, -32603, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(a.body), /secret|home/);
  });

  test('malformed calls are -32602 naming the param', async () => {
    const cases: [unknown, string][] = [
      [{ to: `hx${'12'.repeat(20)}`, dataType: 'call', data: { method: 'hello' } }, 'params.to'],
      [{ to: FAKE_SCORE, dataType: 'deploy', data: { method: 'hello' } }, 'params.dataType'],
      [{ to: FAKE_SCORE, dataType: 'call', data: {} }, 'params.data.method'],
      [{ to: FAKE_SCORE, dataType: 'call', data: { method: '1bad' } }, 'params.data.method'],
      [
        { to: FAKE_SCORE, dataType: 'call', data: { method: 'echo', params: { value: 5 } } },
        'params.data.params.value',
      ],
      [
        { to: FAKE_SCORE, dataType: 'call', data: { method: 'echo', params: { v: [true] } } },
        'params.data.params.v.0',
      ],
      [{ to: FAKE_SCORE, dataType: 'call', data: { method: 'hello' }, from: 'cx00' }, 'params.from'],
      [{ dataType: 'call', data: { method: 'hello' } }, 'params.to'],
    ];
    for (const [params, field] of cases) {
      const a = await rpc('icx_call', params);
      expectError(a, 400, -32602);
      assert.equal(a.body.error?.data?.field, field, JSON.stringify(a.body));
    }
  });
});

describe('icx_getScoreApi', () => {
  test('answers the api list', async () => {
    const a = await rpc('icx_getScoreApi', { address: FAKE_SCORE });
    assert.equal(a.status, 200);
    const list = a.body.result as { name: string; type: string }[];
    assert.deepEqual(
      list.map((e) => [e.type, e.name]),
      [
        ['function', 'hello'],
        ['function', 'poke'],
        ['eventlog', 'Called'],
      ],
    );
  });

  test('no SCORE is -31004, a bad address -32602', async () => {
    expectError(
      await rpc('icx_getScoreApi', { address: `cx${'34'.repeat(20)}` }),
      404,
      -31004,
      'SCORE_NOT_FOUND',
    );
    expectError(await rpc('icx_getScoreApi', { address: `hx${'34'.repeat(20)}` }), 400, -32602);
  });
});

describe('channels', () => {
  test('/api/v3 is the first channel; another channel has its own chain', async () => {
    const a = await rpc('icx_getLastBlock', undefined, '/api/v3');
    assert.equal((a.body.result as { channel: string }).channel, 'chat');
    const k = await rpc('icx_getLastBlock', undefined, '/api/v3/kofia');
    assert.equal((k.body.result as { channel: string; height: number }).channel, 'kofia');
    assert.equal((k.body.result as { height: number }).height, 0);
  });

  test('a channel failing inside is -32603 and the server keeps serving', async () => {
    chat.broken = new Error('disk gone');
    expectError(await rpc('icx_getLastBlock'), 500, -32603, 'INTERNAL');
    chat.broken = undefined;
    assert.equal((await rpc('icx_getLastBlock')).status, 200);
  });
});
