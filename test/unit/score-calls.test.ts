/**
 * Calling SCOREs: ICON parameters in, ICON results out, events, the call context, and the specific failure of
 * each way a call can go wrong.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreError, type FailureCode } from '../../src/score/errors.js';
import { callTx, CX_ZERO, admin, alice, fixture, signedTx, TestChain } from '../helpers/score-chain.js';

const isFailure = (code: FailureCode) => (e: unknown) => e instanceof ScoreError && e.code === code;

describe('SCORE calls', () => {
  let chain: TestChain;
  let probe: string;
  let counter: string;
  before(async () => {
    chain = await TestChain.start();
    probe = chain.deployActive(await fixture('probe'));
    counter = chain.deployActive(await fixture('counter'));
  });

  const echoParams = {
    s: 'héllo {.}',
    i: '-0x10',
    b: '0x1',
    by: '0x00ff',
    a: 'cx0000000000000000000000000000000000000001',
    d: { k: ['v', null], n: { deep: 'x' } },
    l: ['1', null, ['2']],
  };

  test('parameters arrive typed: int as bigint, bool as boolean, the rest as given; results go back as ICON JSON', () => {
    assert.deepEqual(chain.query(probe, 'echo', echoParams), {
      ...echoParams,
      opt: null,
      types: ['bigint', 'boolean', 'undefined'],
    });
    assert.equal(
      (chain.query(probe, 'echo', { ...echoParams, opt: 'given' }) as Record<string, unknown>).opt,
      'given',
    );
    assert.equal(chain.query(probe, 'negate', { i: '0x7b' }), '-0x7b');
    assert.equal(chain.query(probe, 'negate', { i: '-0x7b' }), '0x7b');
    assert.equal(chain.query(probe, 'isTrue', { b: '0x0' }), '0x0');
  });

  test('missing, unknown and ill-typed parameters fail with INVALID_PARAMS', () => {
    const { opt: _opt, ...base } = { ...echoParams, opt: undefined };
    const bad: Record<string, unknown>[] = [
      { ...base, s: undefined },
      { ...base, extra: 'x' },
      { ...base, i: '12' },
      { ...base, i: '0x0a' },
      { ...base, i: '-0x0' },
      { ...base, b: 'true' },
      { ...base, by: '0xabc' },
      { ...base, a: 'hx123' },
      { ...base, d: ['not', 'a', 'dict'] },
      { ...base, l: { not: 'a list' } },
      { ...base, s: null },
    ];
    for (const params of bad) {
      const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      assert.throws(
        () => chain.query(probe, 'echo', clean as never),
        isFailure('INVALID_PARAMS'),
        JSON.stringify(params),
      );
    }
  });

  test('results that do not match the declared type fail with INVALID_RESULT', () => {
    for (const m of ['wrongReturn', 'nothingDeclared', 'notAPlainObject']) {
      assert.throws(() => chain.query(probe, m), isFailure('INVALID_RESULT'), m);
    }
  });

  test('unknown methods, readonly methods in transactions and writing methods in queries are refused', () => {
    assert.throws(() => chain.query(probe, 'nope'), isFailure('METHOD_NOT_FOUND'));
    assert.throws(() => chain.query(probe, 'constructor'), isFailure('METHOD_NOT_FOUND'));
    assert.throws(() => chain.query(probe, 'hasOwnProperty'), isFailure('METHOD_NOT_FOUND'));
    assert.throws(
      () => chain.query(probe, 'remember', { key: 'a', value: 'b' }),
      isFailure('METHOD_NOT_READONLY'),
    );
    assert.equal(chain.query(probe, 'toString'), 'a method named toString');
    const r = chain.block([callTx(alice, probe, 'recall', { key: 'a' }), callTx(alice, probe, 'nope')]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure?.code),
      ['METHOD_READONLY', 'METHOD_NOT_FOUND'],
    );
  });

  test('a readonly call cannot write or emit, even if the method tries', () => {
    assert.throws(() => chain.query(probe, 'writeInQuery'), isFailure('READONLY_WRITE'));
    assert.throws(() => chain.query(probe, 'emitInQuery'), isFailure('READONLY_WRITE'));
    assert.equal(chain.query(probe, 'recall', { key: 'sneaky' }), null);
  });

  test('storage containers persist across blocks: DictDB and ArrayDB', () => {
    chain.block([
      callTx(alice, probe, 'remember', { key: 'k', value: 'v1' }),
      callTx(alice, probe, 'push', { value: 'a' }),
    ]);
    chain.block([callTx(alice, probe, 'push', { value: 'b' })]);
    assert.equal(chain.query(probe, 'recall', { key: 'k' }), 'v1');
    assert.deepEqual(chain.query(probe, 'list'), ['a', 'b']);
  });

  test('the context is deterministic, frozen, and has the tx hash and sender only in transactions', () => {
    const q = chain.query(probe, 'context', {}, { from: alice.address }) as Record<string, unknown>;
    assert.deepEqual(q, {
      channel: 'test',
      address: probe,
      height: `0x${chain.height.toString(16)}`,
      timestamp: `0x${(1_700_000_000_000_000 + chain.height * 1_000_000).toString(16)}`,
      parentHash: q.parentHash,
      sender: alice.address,
      frozen: '0x1',
    });
    assert.match(String(q.parentHash), /^0x[0-9a-f]{64}$/);
    const tx = callTx(alice, probe, 'contextInTx');
    chain.block([tx]);
    const seen = JSON.parse(chain.state.get(`s/${probe}/seen|v|`)!) as Record<string, string>;
    assert.equal(seen.txHash, `0x${Buffer.from(tx.hash).toString('hex')}`);
    assert.equal(seen.sender, alice.address);
    assert.equal(seen.height, String(chain.height));
  });

  test('events are checked against the api and carry the signature first', () => {
    const r = chain.block([
      callTx(alice, probe, 'note', { amount: '0x2a' }),
      callTx(alice, probe, 'emitUndeclared'),
      callTx(alice, probe, 'emitWrongType'),
      callTx(alice, probe, 'emitWrongCount'),
    ]);
    assert.deepEqual(r.receipts[0]!.eventLogs, [
      { scoreAddress: probe, indexed: ['Noted(Address,int)', alice.address], data: ['0x2a'] },
    ]);
    assert.deepEqual(
      r.receipts.slice(1).map((x) => [x.failure?.code, x.eventLogs.length]),
      [
        ['INVALID_EVENT', 0],
        ['INVALID_EVENT', 0],
        ['INVALID_EVENT', 0],
      ],
    );
  });

  test('a SCORE revert carries its code and message; other throws name only the error class', () => {
    const r = chain.block([
      callTx(alice, counter, 'add', { amount: '0x0' }),
      callTx(alice, probe, 'throwTypeError'),
      callTx(alice, probe, 'throwString'),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure),
      [
        { code: 'SCORE_REVERT', message: 'amount must be positive', scoreCode: 'NOT_POSITIVE' },
        { code: 'SCORE_ERROR', message: 'uncaught TypeError' },
        { code: 'SCORE_ERROR', message: 'uncaught exception' },
      ],
    );
    assert.equal(chain.query(probe, 'recall', { key: 'before' }), null, 'the write before the throw is gone');
  });

  test('oversized keys fail with LIMIT_EXCEEDED; system operations are for governance only', () => {
    const r = chain.block([callTx(alice, probe, 'hugeKey'), callTx(alice, probe, 'approveSomething')]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure?.code),
      ['LIMIT_EXCEEDED', 'SYSTEM_FORBIDDEN'],
    );
  });

  test('calls to nothing fail with SCORE_NOT_FOUND', () => {
    const nowhere = `cx${'ab'.repeat(20)}`;
    assert.throws(() => chain.query(nowhere, 'value'), isFailure('SCORE_NOT_FOUND'));
    assert.throws(() => chain.query(CX_ZERO, 'value'), isFailure('SCORE_NOT_FOUND'));
    const r = chain.block([callTx(alice, nowhere, 'increment')]);
    assert.equal(r.receipts[0]!.failure?.code, 'SCORE_NOT_FOUND');
  });

  test('messages and zero-value transfers succeed; value transfers fail with VALUE_TRANSFER', () => {
    const r = chain.block([
      signedTx(alice, admin.address, { dataType: 'message', data: '0x68656c6c6f' }),
      signedTx(alice, admin.address, {}),
      signedTx(alice, admin.address, { value: '0x1' }),
      signedTx(alice, counter, {
        value: '0xde0b6b3a7640000',
        dataType: 'call',
        data: { method: 'increment' },
      }),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure?.code ?? 'ok'),
      ['ok', 'ok', 'VALUE_TRANSFER', 'VALUE_TRANSFER'],
    );
  });
});
