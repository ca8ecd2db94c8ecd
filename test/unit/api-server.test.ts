/**
 * The JSON-RPC 2.0 envelope and the HTTP edge of the node API: parse errors, invalid requests, batches and
 * their bounds, notifications, body limits, content types, channels, health, metrics, logging, and waits
 * that end when the client goes away or the server closes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApiServer, iconOptionsTimeout } from '../../src/api/server.js';
import { FakeChannel, signedCall } from '../helpers/fake-channel.js';

let app: FastifyInstance;
let chat: FakeChannel;
const registry = new Registry();
const logLines: string[] = [];

const req = (method: string, id: unknown = 1, params?: unknown): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params === undefined ? {} : { params }),
});

async function post(
  payload: string | Buffer,
  opts: { url?: string; contentType?: string | null } = {},
): Promise<{ status: number; json: () => unknown; body: string }> {
  const headers: Record<string, string> = {};
  if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await app.inject({ method: 'POST', url: opts.url ?? '/api/v3/chat', headers, payload });
  return { status: res.statusCode, json: () => res.json(), body: res.body };
}

type ErrorBody = {
  jsonrpc: string;
  id: unknown;
  error: { code: number; message: string; data?: { code?: string } };
};

before(() => {
  chat = new FakeChannel();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  app = createApiServer({
    channels: new Map([['chat', chat]]),
    logger: pino({ level: 'error' }, sink),
    metrics: { registry },
    limits: { maxBatch: 5, maxBodyBytes: 64 * 1024, maxWaitMs: 2_000 },
  });
});

after(async () => {
  await app.close();
});

describe('envelope', () => {
  test('bad JSON is -32700 with id null and HTTP 400', async () => {
    for (const bad of ['{', '{"jsonrpc":"2.0",}', '', 'undefined', '\u0000', '{"a":1}{"b":2}']) {
      const r = await post(bad);
      assert.equal(r.status, 400, bad);
      const body = r.json() as ErrorBody;
      assert.deepEqual([body.jsonrpc, body.id, body.error.code], ['2.0', null, -32700]);
    }
  });

  test('a wrong jsonrpc version is -32600 and keeps the id', async () => {
    const r = await post(JSON.stringify({ ...req('icx_getLastBlock', 9), jsonrpc: '1.0' }));
    assert.equal(r.status, 400);
    const body = r.json() as ErrorBody;
    assert.equal(body.id, 9);
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /jsonrpc must be "2.0"/);
  });

  test('missing method, a non-string method, an unknown key or a bad id are -32600', async () => {
    const cases: [unknown, RegExp][] = [
      [{ jsonrpc: '2.0', id: 1 }, /method is required/],
      [{ jsonrpc: '2.0', id: 1, method: 5 }, /method must be of type string/],
      [{ ...req('icx_getLastBlock'), extra: 1 }, /unknown property 'extra'/],
      [req('icx_getLastBlock', { a: 1 }), /id must be a string/],
      [req('icx_getLastBlock', 'x'.repeat(300)), /id must be a string/],
      ['just a string', /the request must be of type object/],
      [42, /the request must be of type object/],
      [null, /the request must be of type object/],
    ];
    for (const [payload, message] of cases) {
      const r = await post(JSON.stringify(payload));
      assert.equal(r.status, 400, JSON.stringify(payload));
      const body = r.json() as ErrorBody;
      assert.equal(body.error.code, -32600);
      assert.match(body.error.message, message);
    }
  });

  test('a missing id is -32600 except for icx_sendTransaction, which is a notification (204)', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', method: 'icx_getLastBlock' }));
    assert.equal(r.status, 400);
    const body = r.json() as ErrorBody;
    assert.equal(body.id, null);
    assert.equal(body.error.data?.code, 'MISSING_ID');
    const before = chat.submitted.length;
    const n = await post(
      JSON.stringify({ jsonrpc: '2.0', method: 'icx_sendTransaction', params: signedCall('poke') }),
    );
    assert.equal(n.status, 204);
    assert.equal(n.body, '');
    assert.equal(chat.submitted.length, before + 1);
  });

  test('ids may be strings, numbers or null and are echoed', async () => {
    for (const id of ['abc', 0, -5, 1.5, null]) {
      const r = await post(JSON.stringify(req('icx_getLastBlock', id)));
      assert.equal(r.status, 200);
      assert.equal((r.json() as { id: unknown }).id, id);
    }
  });

  test('an unknown method is -32601 (HTTP 404)', async () => {
    for (const method of ['icx_getBalance', 'constructor', '__proto__', 'toString', '']) {
      const r = await post(JSON.stringify(req(method)));
      assert.equal(r.status, 404, method);
      assert.equal((r.json() as ErrorBody).error.code, -32601);
    }
  });

  test('JSON nested deeper than the limit is -32600 TOO_DEEP', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const r = await post(deep);
    assert.equal(r.status, 400);
    assert.equal((r.json() as ErrorBody).error.data?.code, 'TOO_DEEP');
    let nested: unknown = '0x1';
    for (let i = 0; i < 80; i++) nested = { a: nested };
    const p = await post(
      JSON.stringify(
        req('icx_call', 1, {
          to: `cx${'00'.repeat(20)}`,
          dataType: 'call',
          data: { method: 'x', params: { p: nested } },
        }),
      ),
    );
    assert.equal((p.json() as ErrorBody).error.data?.code, 'TOO_DEEP');
  });
});

describe('batches', () => {
  test('answers each request in order; notifications get no answer', async () => {
    const r = await post(
      JSON.stringify([
        req('icx_getLastBlock', 1),
        req('nope', 2),
        { jsonrpc: '2.0', method: 'icx_sendTransaction', params: signedCall('poke') },
        req('icx_getBlockByHeight', 3, { height: '0x0' }),
        'garbage',
      ]),
    );
    assert.equal(r.status, 200);
    const body = r.json() as { id: unknown; result?: unknown; error?: { code: number } }[];
    assert.deepEqual(
      body.map((b) => [b.id, b.error?.code ?? 'ok']),
      [
        [1, 'ok'],
        [2, -32601],
        [3, 'ok'],
        [null, -32600],
      ],
    );
  });

  test('a batch of notifications only is 204', async () => {
    const n = { jsonrpc: '2.0', method: 'icx_sendTransaction', params: signedCall('poke') };
    const r = await post(JSON.stringify([n]));
    assert.equal(r.status, 204);
  });

  test('an empty batch and a batch over the limit are single -32600 errors', async () => {
    const empty = await post('[]');
    assert.equal(empty.status, 400);
    assert.equal((empty.json() as ErrorBody).error.data?.code, 'EMPTY_BATCH');
    const big = await post(JSON.stringify(Array.from({ length: 6 }, (_, i) => req('icx_getLastBlock', i))));
    assert.equal(big.status, 400);
    const body = big.json() as ErrorBody;
    assert.equal(body.error.code, -32600);
    assert.equal(body.error.data?.code, 'BATCH_TOO_LARGE');
    assert.match(body.error.message, /at most 5 requests, this one has 6/);
  });
});

describe('HTTP edge', () => {
  test('a body over the limit is 413 with a JSON-RPC error', async () => {
    const r = await post(JSON.stringify(req('icx_getLastBlock', 1, { pad: 'x'.repeat(70 * 1024) })));
    assert.equal(r.status, 413);
    const body = r.json() as ErrorBody;
    assert.equal(body.error.code, -32600);
    assert.equal(body.error.data?.code, 'BODY_TOO_LARGE');
  });

  test('text/plain (icon-sdk-js fetch), charset variants and no content type are all read as JSON', async () => {
    const payload = JSON.stringify(req('icx_getLastBlock'));
    for (const contentType of [
      'text/plain;charset=UTF-8',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded',
      null,
    ]) {
      const r = await post(payload, { contentType });
      assert.equal(r.status, 200, String(contentType));
    }
  });

  test('an unknown channel is 404 with a JSON-RPC error', async () => {
    const r = await post(JSON.stringify(req('icx_getLastBlock')), { url: '/api/v3/nope' });
    assert.equal(r.status, 404);
    const body = r.json() as ErrorBody;
    assert.equal(body.error.code, -31004);
    assert.equal(body.error.data?.code, 'UNKNOWN_CHANNEL');
    assert.match(body.error.message, /nope/);
  });

  test('unknown routes and methods are 404 JSON', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v3/chat' });
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as ErrorBody).error.data?.code, 'NO_ROUTE');
  });

  test('/health lists the channels', async () => {
    const r = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { status: 'ok', channels: ['chat'] });
  });

  test('/metrics counts requests by method and code', async () => {
    await post(JSON.stringify(req('icx_getLastBlock')));
    await post(JSON.stringify(req('icx_nothing')));
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/plain/);
    assert.match(
      r.body,
      /loopchain_jsonrpc_requests_total\{channel="chat",method="icx_getLastBlock",code="0"\} \d+/,
    );
    assert.match(
      r.body,
      /loopchain_jsonrpc_requests_total\{channel="chat",method="unknown",code="-32601"\} \d+/,
    );
    assert.match(r.body, /loopchain_jsonrpc_request_duration_seconds_bucket/);
  });

  test('without a registry there is no /metrics; a second server can share a registry', async () => {
    const bare = createApiServer({ channels: new Map([['chat', chat]]) });
    const shared = createApiServer({ channels: new Map([['chat', chat]]), metrics: { registry } });
    try {
      assert.equal((await bare.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
      assert.equal((await shared.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
    } finally {
      await bare.close();
      await shared.close();
    }
  });

  test('internal failures are logged with their detail, answered without it', async () => {
    chat.broken = new Error('secret-detail-42');
    const r = await post(JSON.stringify(req('icx_getLastBlock')));
    chat.broken = undefined;
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.body, /secret-detail-42|at .*\.ts/);
    assert.ok(logLines.some((l) => l.includes('secret-detail-42')));
  });

  test('Icon-Options timeout parsing', () => {
    assert.equal(iconOptionsTimeout('timeout=1500'), 1500);
    assert.equal(iconOptionsTimeout('debug=true, timeout=20'), 20);
    assert.equal(iconOptionsTimeout('timeout=-1'), undefined);
    assert.equal(iconOptionsTimeout('timeout=abc'), undefined);
    assert.equal(iconOptionsTimeout(undefined), undefined);
  });
});

describe('waits end with the connection or the server', () => {
  test('a client closing the connection aborts its wait', async () => {
    const server = createApiServer({ channels: new Map([['chat', chat]]), limits: { maxWaitMs: 20_000 } });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = server.server.address() as AddressInfo;
      const before = chat.waiterCount();
      const body = JSON.stringify(req('icx_sendTransactionAndWait', 1, signedCall('poke')));
      const client = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v3/chat',
        headers: { 'content-type': 'application/json' },
      });
      client.on('error', () => {});
      client.end(body);
      for (let i = 0; i < 100 && chat.waiterCount() === before; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(chat.waiterCount(), before + 1);
      client.destroy();
      for (let i = 0; i < 100 && chat.waiterCount() > before; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(chat.waiterCount(), before);
    } finally {
      await server.close();
      chat.commitPending();
    }
  });

  test('closing the server ends waits at once with a system error', async () => {
    const server = createApiServer({ channels: new Map([['chat', chat]]), limits: { maxWaitMs: 20_000 } });
    const answer = server.inject({
      method: 'POST',
      url: '/api/v3/chat',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(req('icx_sendTransactionAndWait', 1, signedCall('poke'))),
    });
    for (let i = 0; i < 100 && chat.waiterCount() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const started = performance.now();
    await server.close();
    const res = await answer;
    assert.ok(performance.now() - started < 5_000);
    assert.equal((res.json() as ErrorBody).error.data?.code, 'SHUTTING_DOWN');
    chat.commitPending();
  });
});
