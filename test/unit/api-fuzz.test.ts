/**
 * Hundreds of random and mutated bodies against the JSON-RPC server: every one gets a well-formed JSON-RPC
 * answer with a known code (or 204 for notifications), none leaks a stack, and the server keeps serving.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/server.js';
import { RpcCode } from '../../src/api/rpc-error.js';
import { FakeChannel, FAKE_SCORE, signedCall } from '../helpers/fake-channel.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const SEED = 20261130;
const METHODS = [
  'icx_sendTransaction',
  'icx_sendTransactionAndWait',
  'icx_getTransactionResult',
  'icx_waitTransactionResult',
  'icx_getTransactionByHash',
  'icx_getLastBlock',
  'icx_getBlockByHeight',
  'icx_getBlockByHash',
  'icx_call',
  'icx_getScoreApi',
  'icx_getBalance',
  '__proto__',
];
const KNOWN_CODES = new Set<number>([...Object.values(RpcCode), -30001, -30002, -30003, -30006, -30039]);

let app: FastifyInstance;
let chat: FakeChannel;

before(() => {
  chat = new FakeChannel();
  app = createApiServer({ channels: new Map([['chat', chat]]), limits: { maxWaitMs: 5, maxBatch: 8 } });
});

after(async () => {
  await app.close();
});

function randomValue(r: SeededRandom, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return r.pick([true, false]);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER]);
    case 3:
      return r.pick([
        '',
        '0x',
        '0x0',
        '0x01',
        `0x${'ab'.repeat(32)}`,
        FAKE_SCORE,
        'hx00',
        '\u0000',
        'é🙂',
        'x'.repeat(300),
      ]);
    case 4:
      return Buffer.from(r.bytes(r.int(40))).toString('latin1');
    case 5:
      return `0x${Buffer.from(r.bytes(r.int(40))).toString('hex')}`;
    case 6:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) {
        o[
          r.pick([
            'txHash',
            'height',
            'hash',
            'to',
            'from',
            'dataType',
            'data',
            'method',
            'params',
            '__proto__',
            'x',
          ])
        ] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

function validParams(r: SeededRandom, method: string): unknown {
  switch (method) {
    case 'icx_sendTransaction':
    case 'icx_sendTransactionAndWait':
      return signedCall(r.pick(['poke', 'fail']), { nid: r.pick(['0x7', '0x8']) });
    case 'icx_getBlockByHeight':
      return { height: r.pick(['0x0', '0x1', '0x10']) };
    case 'icx_call':
      return {
        to: FAKE_SCORE,
        dataType: 'call',
        data: { method: r.pick(['hello', 'revert', 'write', 'missing']) },
      };
    case 'icx_getScoreApi':
      return { address: FAKE_SCORE };
    default:
      return { txHash: `0x${Buffer.from(r.bytes(32)).toString('hex')}` };
  }
}

/** A valid request with one random mutation (or none). */
function mutatedRequest(r: SeededRandom): unknown {
  const method = r.pick(METHODS);
  const req: Record<string, unknown> = {
    jsonrpc: '2.0',
    id: r.int(1000),
    method,
    params: validParams(r, method),
  };
  switch (r.int(6)) {
    case 0:
      return req;
    case 1:
      delete req[r.pick(['jsonrpc', 'id', 'method', 'params'])];
      return req;
    case 2:
      req[r.pick(['jsonrpc', 'id', 'method', 'params'])] = randomValue(r);
      return req;
    case 3: {
      const p = req.params as Record<string, unknown>;
      const keys = Object.keys(p);
      if (keys.length > 0) p[r.pick(keys)] = randomValue(r);
      return req;
    }
    case 4:
      return randomValue(r);
    default:
      return { ...req, [r.pick(['extra', 'params', 'result'])]: randomValue(r) };
  }
}

function randomBody(r: SeededRandom): string | Buffer {
  switch (r.int(5)) {
    case 0:
      return Buffer.from(r.bytes(r.int(200)));
    case 1: {
      const json = JSON.stringify(mutatedRequest(r)) ?? '';
      const cut = r.int(json.length + 1);
      return json.slice(0, cut) + (r.int(2) === 0 ? '' : String.fromCharCode(r.int(128)));
    }
    case 2:
      return JSON.stringify(Array.from({ length: r.int(11) }, () => mutatedRequest(r)));
    default:
      return JSON.stringify(mutatedRequest(r)) ?? 'null';
  }
}

const seen = new Set<number>();

function checkAnswer(one: unknown): void {
  const a = one as {
    jsonrpc?: unknown;
    id?: unknown;
    result?: unknown;
    error?: { code?: unknown; message?: unknown };
  };
  assert.equal(a.jsonrpc, '2.0');
  assert.ok('id' in a);
  assert.ok('result' in a !== 'error' in a, 'exactly one of result and error');
  seen.add(a.error === undefined ? 0 : (a.error.code as number));
  if (a.error !== undefined) {
    assert.equal(typeof a.error.message, 'string');
    assert.ok(KNOWN_CODES.has(a.error.code as number), `unexpected code ${String(a.error.code)}`);
  }
}

test(`fuzz: 500 random bodies all get a JSON-RPC answer (seed ${SEED})`, async () => {
  const r = new SeededRandom(SEED);
  for (let i = 0; i < 500; i++) {
    const payload = randomBody(r);
    const res = await app.inject({
      method: 'POST',
      url: r.int(4) === 0 ? '/api/v3' : '/api/v3/chat',
      headers: {
        'content-type': r.pick(['application/json', 'text/plain;charset=UTF-8', 'application/octet-stream']),
      },
      payload,
    });
    const where = `case ${i}: ${payload.toString().slice(0, 200)}`;
    assert.ok([200, 204, 400, 404, 413, 500].includes(res.statusCode), `${where} -> ${res.statusCode}`);
    if (res.statusCode === 204) continue;
    assert.doesNotMatch(res.body, /\bat [^ ]+ \(|node_modules|\.ts:\d+/, where);
    const body = res.json() as unknown;
    if (Array.isArray(body)) body.forEach(checkAnswer);
    else checkAnswer(body);
    if (i % 50 === 0) chat.commitPending();
  }
  // The corpus reaches every layer: parse, envelope, routing, params, the methods and their results.
  for (const code of [0, -32700, -32600, -32601, -32602, -31004])
    assert.ok(seen.has(code), `never saw ${code}`);
  const health = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(health.statusCode, 200);
  const last = await app.inject({
    method: 'POST',
    url: '/api/v3/chat',
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'icx_getLastBlock' }),
  });
  assert.equal(last.statusCode, 200);
});
