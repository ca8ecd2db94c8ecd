/**
 * applyBlock: determinism (two runs, two independent nodes, byte-identical results), rollback of failed
 * transactions, receipts in ICON's shape with their hash and root, and what carries between blocks.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sdk from 'icon-sdk-js';
import { sha3_256 } from '../../src/codec/hash.js';
import { transactionsRoot } from '../../src/ledger/block.js';
import { blockHasher } from '../../src/ledger/merkle.js';
import { applyBlock, commit, type ApplyResult } from '../../src/score/apply-block.js';
import { ScoreError } from '../../src/score/errors.js';
import { CommittedState } from '../../src/score/overlay.js';
import { deriveScoreAddress } from '../../src/score/score-store.js';
import {
  decodeReceipt,
  encodeReceipt,
  receiptHash,
  receiptsRoot,
  toTransactionResult,
} from '../../src/score/receipt.js';
import type { Transaction } from '../../src/ledger/transaction.js';
import {
  admin,
  alice,
  callTx,
  ctxAt,
  CX_ZERO,
  deployTx,
  fixture,
  GOVERNANCE,
  mallory,
  signedTx,
  TestChain,
} from '../helpers/score-chain.js';

const { Formatter } = sdk as unknown as {
  Formatter: { toTransactionResult(j: object): { status: number; eventLogs?: unknown } };
};

/** Everything a block produces, as bytes. */
function fingerprint(r: ApplyResult): string {
  return JSON.stringify({
    receipts: r.receiptBytes.map((b) => Buffer.from(b).toString('hex')),
    writes: r.state
      .writeSet()
      .map((w) => [Buffer.from(w.key).toString('hex'), w.value && Buffer.from(w.value).toString('hex')]),
    roots: Object.fromEntries(Object.entries(r.roots).map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
    validatorChanges: r.validatorChanges,
  });
}

describe('applyBlock', () => {
  let chain: TestChain;
  let counter: string;
  let probe: string;
  let clock: string;
  let mixed: Transaction[];
  before(async () => {
    chain = await TestChain.start();
    counter = chain.deployActive(await fixture('counter'));
    probe = chain.deployActive(await fixture('probe'));
    clock = chain.deployActive(await fixture('clock'));
    mixed = [
      callTx(alice, counter, 'add', { amount: '0x3' }),
      callTx(alice, counter, 'addThenRevert', { amount: '0x64' }),
      callTx(mallory, clock, 'stamp'),
      callTx(alice, probe, 'note', { amount: '0x1' }),
      callTx(alice, probe, 'remember', { key: 'k', value: 'v' }),
      deployTx(mallory, CX_ZERO, await fixture('counter')),
      deployTx(admin, CX_ZERO, await fixture('probe')),
      callTx(admin, GOVERNANCE, 'setValidators', {
        fromHeight: '0x64',
        validators: [admin.address, alice.address],
      }),
      signedTx(alice, admin.address, { dataType: 'message', data: '0x01' }),
      callTx(alice, counter, 'increment'),
    ];
  });

  test('two runs over the same parent give byte-identical receipts, writes and roots', () => {
    const ctx = ctxAt(chain.height + 1);
    const a = applyBlock(chain.state, { transactions: mixed }, ctx);
    const b = applyBlock(chain.state, { transactions: mixed }, ctx);
    assert.equal(fingerprint(a), fingerprint(b));
    assert.deepEqual(
      a.receipts.map((r) => r.failure?.code ?? 'ok'),
      ['ok', 'SCORE_REVERT', 'NON_DETERMINISTIC', 'ok', 'ok', 'DEPLOY_FORBIDDEN', 'ok', 'ok', 'ok', 'ok'],
    );
  });

  test('two independent nodes replaying the same chain agree on every block', async () => {
    const deploy = deployTx(admin, CX_ZERO, await fixture('counter'));
    const address = deriveScoreAddress(admin.address, deploy.hash);
    const blocks = [
      [deploy],
      [callTx(admin, GOVERNANCE, 'approve', { address, version: '0x1' })],
      [
        callTx(alice, address, 'add', { amount: '0x2' }),
        callTx(mallory, address, 'addThenRevert', { amount: '0x1' }),
      ],
      [callTx(alice, address, 'increment')],
    ];
    const replay = async () => {
      const node = await TestChain.start();
      return blocks.map((txs) => fingerprint(node.block(txs)));
    };
    const [x, y] = [await replay(), await replay()];
    assert.deepEqual(x, y);
    assert.equal(new Set(x).size, blocks.length);
  });

  test('the roots are the block tree over the transactions and the receipts, and the chained state root', () => {
    const r = applyBlock(chain.state, { transactions: mixed }, ctxAt(chain.height + 1));
    assert.deepEqual(r.roots.transactionsRoot, transactionsRoot(mixed.map((t) => t.hash)));
    const hashes = r.receipts.map((x) => sha3_256(encodeReceipt(x)));
    assert.deepEqual(r.roots.receiptsRoot, blockHasher.rootFromLeaves(hashes));
    assert.deepEqual(r.roots.receiptsRoot, receiptsRoot(r.receiptBytes.map(receiptHash)));
    assert.deepEqual(r.roots.stateRoot, r.state.stateRoot);
    const empty = applyBlock(chain.state, { transactions: [] }, ctxAt(chain.height + 1));
    assert.deepEqual(empty.roots.receiptsRoot, blockHasher.emptyRoot());
    assert.equal(empty.state.writeCount, 0);
  });

  test('a failed transaction leaves nothing: no writes, no events; the others go through', () => {
    const before = chain.query(counter, 'value');
    const r = chain.block([
      callTx(alice, counter, 'addThenRevert', { amount: '0x64' }),
      callTx(alice, counter, 'add', { amount: '0x1' }),
    ]);
    assert.deepEqual(r.receipts[0]!.eventLogs, []);
    assert.deepEqual(r.receipts[0]!.failure, {
      code: 'SCORE_REVERT',
      message: 'reverted after writing',
      scoreCode: 'CHANGED_MY_MIND',
    });
    assert.equal(r.receipts[1]!.eventLogs.length, 1);
    assert.equal(BigInt(chain.query(counter, 'value') as string), BigInt(before as string) + 1n);
  });

  test('receipts encode deterministically, decode back, and icon-sdk-js reads them as TransactionResults', () => {
    const r = applyBlock(chain.state, { transactions: mixed }, ctxAt(chain.height + 1));
    for (const [i, receipt] of r.receipts.entries()) {
      assert.deepEqual(decodeReceipt(r.receiptBytes[i]!), receipt);
      const json = toTransactionResult(receipt, sha3_256('block hash'));
      const parsed = Formatter.toTransactionResult(json);
      assert.equal(parsed.status, receipt.status);
    }
    const deploy = toTransactionResult(r.receipts[6]!, sha3_256('x'));
    assert.match(String(deploy.scoreAddress), /^cx[0-9a-f]{40}$/);
    assert.equal(deploy.txIndex, '0x6');
    assert.equal(r.receipts[1]!.failure?.scoreCode, 'CHANGED_MY_MIND');
    assert.throws(() => decodeReceipt(Uint8Array.of(2, 123, 125)), ScoreError);
    const bytes = r.receiptBytes[0]!;
    assert.throws(() => decodeReceipt(bytes.subarray(0, bytes.length - 1)), ScoreError);
  });

  test('validator sets scheduled by governance are recorded and returned; a past height is refused', () => {
    const r = chain.block([
      callTx(admin, GOVERNANCE, 'setValidators', { fromHeight: '0x3e8', validators: [alice.address] }),
      callTx(admin, GOVERNANCE, 'setValidators', { fromHeight: '0x1', validators: [alice.address] }),
      callTx(admin, GOVERNANCE, 'setValidators', {
        fromHeight: '0x3e8',
        validators: [alice.address, alice.address],
      }),
      callTx(alice, GOVERNANCE, 'setValidators', { fromHeight: '0x3e8', validators: [alice.address] }),
    ]);
    assert.deepEqual(r.validatorChanges, [
      { fromHeight: 1000, validators: [alice.address], height: chain.height, txHash: r.receipts[0]!.txHash },
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure?.code ?? 'ok'),
      ['ok', 'INVALID_SYSTEM_CALL', 'INVALID_SYSTEM_CALL', 'SCORE_REVERT'],
    );
    assert.equal(JSON.parse(chain.state.get('g/validators')!).length, 1);
  });

  test("module-level SCORE variables live for one block's execution, never across blocks or into queries", () => {
    const r = chain.block([callTx(alice, probe, 'heap'), callTx(alice, probe, 'heap')]);
    assert.ok(r.receipts.every((x) => x.status === 1));
    assert.equal(chain.query(probe, 'heapCount'), '0x0');
    const a = applyBlock(
      chain.state,
      { transactions: [callTx(alice, probe, 'heap')] },
      ctxAt(chain.height + 1),
    );
    assert.equal(a.receipts[0]!.status, 1);
  });

  test('the block must follow its parent, and genesis built-ins only enter at height 0', () => {
    assert.throws(() => applyBlock(chain.state, { transactions: [] }, ctxAt(chain.height + 2)), ScoreError);
    assert.throws(
      () =>
        applyBlock(
          chain.state,
          { transactions: [], genesis: [{ address: counter, code: '', deployer: admin.address }] },
          ctxAt(chain.height + 1),
        ),
      (e: unknown) => e instanceof ScoreError && e.code === 'GENESIS_FAILED',
    );
    const sealed = applyBlock(chain.state, { transactions: [] }, ctxAt(chain.height + 1)).state;
    commit(sealed);
    const fresh = CommittedState.empty();
    assert.throws(() => fresh.apply(sealed), ScoreError);
  });
});
