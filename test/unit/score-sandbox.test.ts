/**
 * Isolation and determinism of SCORE execution: what a SCORE must not do (clock, randomness, endless loops,
 * async code, floats, Node APIs) fails with a specific code, and no object the sandbox hands a SCORE leads
 * back to the host realm.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreError, type FailureCode } from '../../src/score/errors.js';
import {
  admin,
  alice,
  callTx,
  CX_ZERO,
  deployTx,
  fixture,
  rawScore,
  TestChain,
} from '../helpers/score-chain.js';

const isFailure = (code: FailureCode) => (e: unknown) => e instanceof ScoreError && e.code === code;

function failureOf(chain: TestChain, tx: ReturnType<typeof callTx>, limits = {}) {
  const r = chain.block([tx], { limits });
  return r.receipts[0]!.failure;
}

describe('withheld capabilities', () => {
  let chain: TestChain;
  const at: Record<string, string> = {};
  before(async () => {
    chain = await TestChain.start();
    for (const name of ['clock', 'random', 'spin', 'float', 'probe'])
      at[name] = chain.deployActive(await fixture(name));
  });

  test('Date.now() fails the transaction with NON_DETERMINISTIC and writes nothing', () => {
    const f = failureOf(chain, callTx(alice, at.clock!, 'stamp'));
    assert.deepEqual(f, { code: 'NON_DETERMINISTIC', message: 'Date is not available to SCOREs' });
    assert.equal(chain.state.get(`s/${at.clock}/last|v|`), undefined);
  });

  test('catching the error does not help: a withheld capability fails the call anyway', () => {
    const f = failureOf(chain, callTx(alice, at.clock!, 'stampQuietly'));
    assert.equal(f?.code, 'NON_DETERMINISTIC');
    assert.equal(chain.state.get(`s/${at.clock}/last|v|`), undefined);
  });

  test('block time is the clock SCOREs have', () => {
    assert.equal(
      chain.query(at.clock!, 'blockTime'),
      `0x${(1_700_000_000_000_000 + chain.height * 1_000_000).toString(16)}`,
    );
  });

  test('Math.random() fails with NON_DETERMINISTIC; the rest of Math still works', () => {
    const f = failureOf(chain, callTx(alice, at.random!, 'draw'));
    assert.deepEqual(f, { code: 'NON_DETERMINISTIC', message: 'Math.random is not available to SCOREs' });
    assert.equal(chain.query(at.random!, 'maxOf', { a: '0x3', b: '0x7' }), '0x7');
  });

  test('an endless loop hits the time limit, rolls back, and the block goes on', () => {
    const t0 = performance.now();
    const r = chain.block([callTx(alice, at.spin!, 'forever'), callTx(alice, at.spin!, 'touch')], {
      limits: { timeLimitMs: 150 },
    });
    const elapsed = performance.now() - t0;
    assert.deepEqual(r.receipts[0]!.failure, {
      code: 'TIME_LIMIT',
      message: 'the execution time limit was reached',
    });
    assert.equal(r.receipts[1]!.status, 1, 'the next transaction runs in a fresh instance');
    assert.equal(chain.state.get(`s/${at.spin}/touched|v|`), '0x1', 'only touch() wrote');
    assert.ok(elapsed < 2000, `stopped after ${elapsed} ms`);
  });

  test('a query that loops forever fails TIME_LIMIT', () => {
    assert.throws(
      () => chain.query(at.spin!, 'foreverQuery', {}, { limits: { timeLimitMs: 100 } }),
      isFailure('TIME_LIMIT'),
    );
  });

  test('floating-point results are refused with FLOAT_RESULT; integral numbers become ints', () => {
    assert.throws(() => chain.query(at.float!, 'half'), isFailure('FLOAT_RESULT'));
    assert.throws(() => chain.query(at.float!, 'halfInDict'), isFailure('FLOAT_RESULT'));
    assert.equal(chain.query(at.float!, 'wholeNumber'), '0x2a');
  });

  test('a thenable result fails with ASYNC_RESULT', () => {
    assert.throws(() => chain.query(at.probe!, 'thenable'), isFailure('ASYNC_RESULT'));
  });

  test('stack traces carry only the message: no host paths, no frames', () => {
    assert.equal(chain.query(at.probe!, 'stack'), 'Error: where am I');
  });

  test('Promise, Intl, WeakRef, eval, Function and locale methods are withheld', () => {
    const uses = [
      'Promise.resolve(1)',
      'new Intl.NumberFormat()',
      'new WeakRef({})',
      'eval("1")',
      'Function("return 1")',
      '"a".localeCompare("b")',
      '(1).toLocaleString()',
      'new SharedArrayBuffer(8)',
      'Atomics',
      'WebAssembly',
    ];
    for (const use of uses) {
      const address = chain.deployActive(rawScore(`run() { return ${use}; }`));
      assert.equal(failureOf(chain, callTx(alice, address, 'run'))?.code, 'NON_DETERMINISTIC', use);
    }
  });
});

describe('escapes from the sandbox', () => {
  let chain: TestChain;
  let escape: string;
  before(async () => {
    chain = await TestChain.start();
    escape = chain.deployActive(await fixture('escape'));
  });

  for (const vector of [
    'viaGlobalThis',
    'viaBridge',
    'viaBridgeMethod',
    'viaContext',
    'viaBridgeError',
    'viaFunctionPrototype',
  ]) {
    test(`${vector}: the constructor chain ends at a withheld Function constructor`, () => {
      assert.throws(() => chain.query(escape, vector), isFailure('NON_DETERMINISTIC'));
    });
  }

  test('viaParams: parameter objects belong to the sandbox too', () => {
    assert.throws(() => chain.query(escape, 'viaParams', { d: { a: 'b' } }), isFailure('NON_DETERMINISTIC'));
  });

  test('viaRefusalError: a refused host operation fails the call before its error can be used', () => {
    assert.throws(() => chain.query(escape, 'viaRefusalError'), isFailure('READONLY_WRITE'));
  });

  test('viaStackFrames: no call sites are exposed', () => {
    assert.equal(chain.query(escape, 'viaStackFrames'), 'string stack: Error: x');
  });

  test('viaCallerChain: no host function is ever a caller', () => {
    assert.equal(chain.query(escape, 'viaCallerChain'), 'contained');
  });

  test('every object reachable from the globals, bridge, context, params and errors is of the sandbox realm', () => {
    const census = chain.query(escape, 'census', { d: { list: ['x', { y: null }] } }) as Record<
      string,
      unknown
    >;
    assert.deepEqual(census.foreign, []);
    assert.ok(Number(census.objects) > 300, `walked ${Number(census.objects)} objects`);
    // Array.prototype[Symbol.unscopables] is the realm's only null-prototype object.
    assert.equal(census.nullProto, '0x1');
  });

  test('the same attempts as transactions fail and write nothing', () => {
    const r = chain.block(['viaGlobalThis', 'viaBridgeError'].map((m) => callTx(alice, escape, m)));
    for (const receipt of r.receipts) assert.equal(receipt.failure?.code, 'METHOD_READONLY');
  });

  test('an accessor on Error.prototype.code cannot make the host run SCORE code after a time limit', () => {
    const address = chain.deployActive(
      rawScore(`run() {
        try { Object.defineProperty(Error.prototype, 'code', { set() { for (;;) {} }, configurable: true }); } catch {}
        try { Object.defineProperty(Object.prototype, 'code', { set() { for (;;) {} }, configurable: true }); } catch {}
        for (;;) {}
      }`),
    );
    const t0 = performance.now();
    assert.equal(failureOf(chain, callTx(alice, address, 'run'), { timeLimitMs: 100 })?.code, 'TIME_LIMIT');
    assert.ok(performance.now() - t0 < 2000);
  });

  test('a SCORE cannot replace or shadow the runtime entry points', () => {
    const overwrite = chain.deployActive(
      rawScore(
        `run() { try { globalThis.__loopchain_invoke = () => '{"ok":true}'; } catch {} throw new Error('x'); }`,
      ),
    );
    // Had the first call replaced the entry point, the second (same block, same instance) would succeed.
    const r = chain.block([callTx(alice, overwrite, 'run'), callTx(alice, overwrite, 'run')]);
    for (const receipt of r.receipts) {
      assert.deepEqual(receipt.failure, { code: 'SCORE_ERROR', message: 'uncaught Error' });
    }
    const shadowing = `let __loopchain_invoke = () => '{"ok":true}';\n${rawScore('run() {}')}`;
    const shadow = chain.block([deployTx(admin, CX_ZERO, shadowing)]);
    assert.equal(
      shadow.receipts[0]!.failure?.code,
      'DEPLOY_INVALID',
      'a global binding of a runtime name does not load',
    );
  });
});

describe('code that cannot be deployed', () => {
  let chain: TestChain;
  before(async () => {
    chain = await TestChain.start();
  });

  const cases: [string, string][] = [
    ['an async method', rawScore('async run() { await null; }')],
    ['an async arrow', rawScore('run() { const f = async () => 1; }')],
    ['import()', rawScore('run() { return import("node:fs"); }')],
    ['a syntax error', rawScore('run() { return ( }')],
    ['Date at load', rawScore('run() {}', undefined, 'const started = Date.now();')],
    ['the bridge at load', rawScore('run() {}', undefined, '__loopchain.get("x");')],
    ['a declared method the class lacks', rawScore('other() {}')],
    ['no default export', 'var __score = {};'],
    [
      'a malformed api',
      rawScore('run() {}', '{ methods: { run: { readonly: "yes", params: [] } }, events: {} }'),
    ],
    [
      'a reserved method name',
      rawScore(
        'constructor() {}',
        '{ methods: { constructor: { readonly: false, params: [] } }, events: {} }',
      ),
    ],
    ['an endless loop at load', rawScore('run() {}', undefined, 'for (;;) {}')],
  ];
  for (const [what, code] of cases) {
    test(`${what} is refused with DEPLOY_INVALID`, () => {
      const r = chain.block([deployTx(admin, CX_ZERO, code)], { limits: { timeLimitMs: 200 } });
      const f = r.receipts[0]!.failure;
      assert.ok(
        f !== undefined &&
          (f.code === 'DEPLOY_INVALID' || (what.includes('endless') && f.code === 'TIME_LIMIT')),
        JSON.stringify(f),
      );
    });
  }

  test('the bundler refuses async code and Node builtins, naming them', async () => {
    await assert.rejects(
      fixture('async'),
      (e: unknown) => e instanceof ScoreError && e.code === 'BUNDLE_FAILED' && /async/.test(e.message),
    );
    await assert.rejects(
      fixture('node-import'),
      (e: unknown) =>
        e instanceof ScoreError && e.code === 'BUNDLE_FAILED' && e.message.includes("'node:fs'"),
    );
  });
});
