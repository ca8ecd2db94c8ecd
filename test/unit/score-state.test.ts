/**
 * The in-memory state: copy-on-write overlays (transaction, block, abandoned branches, commit order), the
 * chained state root, and the round trip through storage (commit → LevelDB batch → load at start).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLevel } from 'memory-level';
import { sha3_256 } from '../../src/codec/hash.js';
import { concatBytes } from '../../src/codec/hex.js';
import { ScoreError } from '../../src/score/errors.js';
import { BlockOverlay, CommittedState, commit, type StateView } from '../../src/score/overlay.js';
import {
  chainStateRoot,
  EMPTY_STATE_ROOT,
  encodeWriteSet,
  encodeWrites,
} from '../../src/score/state-root.js';
import { ChannelStorage } from '../../src/storage/channel-storage.js';
import { LevelStore } from '../../src/storage/level-store.js';
import type { Transaction } from '../../src/ledger/transaction.js';
import { encodeTransaction } from '../../src/ledger/transaction.js';
import { applyBlock } from '../../src/score/apply-block.js';
import type { GenesisScore } from '../../src/score/genesis.js';
import { call as icxCall } from '../../src/score/query.js';
import { decodeReceipt } from '../../src/score/receipt.js';
import {
  admin,
  alice,
  callTx,
  ctxAt,
  CX_ZERO,
  deployTx,
  fixture,
  GOVERNANCE,
  TestChain,
} from '../helpers/score-chain.js';

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

const outOfOrder = (e: unknown) => e instanceof ScoreError && e.code === 'STATE_OUT_OF_ORDER';

function block(parent: StateView, writes: Record<string, string | null>): BlockOverlay {
  const b = new BlockOverlay(parent, parent.height + 1);
  for (const [k, v] of Object.entries(writes)) b.set(k, v);
  b.seal();
  return b;
}

describe('overlays', () => {
  test('a transaction overlay is merged on success and dropped on failure', () => {
    const base = CommittedState.empty();
    const b = new BlockOverlay(base, 0);
    const ok = b.beginTx();
    ok.set('a', '1');
    assert.equal(b.get('a'), undefined, 'invisible before the merge');
    b.merge(ok);
    const failed = b.beginTx();
    failed.set('a', '2');
    failed.set('b', '3');
    assert.equal(failed.get('a'), '2');
    // failed is dropped: nothing to do
    assert.equal(b.get('a'), '1');
    assert.equal(b.get('b'), undefined);
    const del = b.beginTx();
    del.set('a', null);
    assert.equal(del.get('a'), undefined);
    b.merge(del);
    assert.equal(b.get('a'), undefined);
  });

  test('blocks build on uncommitted blocks; an abandoned block leaves no trace', () => {
    const base = CommittedState.empty();
    const b0 = block(base, { k: 'genesis', x: 'x0' });
    const b1a = block(b0, { k: 'a' });
    const b1b = block(b0, { k: 'b', x: null });
    const b2a = block(b1a, { y: 'y2' });
    assert.deepEqual([b1a.get('k'), b1b.get('k'), b2a.get('k'), b0.get('k')], ['a', 'b', 'a', 'genesis']);
    assert.deepEqual([b1b.get('x'), b2a.get('x')], [undefined, 'x0']);
    assert.equal(base.get('k'), undefined, 'nothing is committed yet');
    assert.notDeepEqual(b1a.stateRoot, b1b.stateRoot);
  });

  test('commit is in order; committed overlays become transparent; a sibling branch is abandoned', () => {
    const base = CommittedState.empty();
    const b0 = block(base, { k: '0' });
    const b1a = block(b0, { k: '1a', only1a: 'yes' });
    const b1b = block(b0, { k: '1b' });
    const b2a = block(b1a, { k2: '2a' });
    assert.throws(() => commit(b1a), outOfOrder, 'the parent first');
    assert.throws(() => base.apply(b1a), outOfOrder);
    const writes0 = commit(b0);
    assert.deepEqual(writes0, [{ key: new TextEncoder().encode('k'), value: new TextEncoder().encode('0') }]);
    base.apply(b0);
    assert.deepEqual([base.height, base.get('k')], [0, '0']);
    assert.deepEqual(base.stateRoot, b0.stateRoot);
    assert.throws(() => base.apply(b0), outOfOrder, 'twice');
    commit(b1a);
    base.apply(b1a);
    assert.deepEqual([b2a.get('k'), b2a.get('only1a'), b2a.get('k2')], ['1a', 'yes', '2a']);
    assert.throws(
      () => new BlockOverlay(b1b, 2),
      outOfOrder,
      'a branch off a committed sibling is abandoned',
    );
    assert.throws(() => commit(b1b), outOfOrder);
    commit(b2a);
    base.apply(b2a);
    assert.deepEqual([base.height, base.get('k2'), base.size], [2, '2a', 3]);
  });

  test('sealed blocks take no writes; unsealed blocks have no root and cannot be built on', () => {
    const base = CommittedState.empty();
    const open = new BlockOverlay(base, 0);
    assert.throws(() => open.stateRoot, outOfOrder);
    assert.throws(() => new BlockOverlay(open, 1), outOfOrder);
    open.seal();
    assert.throws(() => open.set('a', 'b'), outOfOrder);
    assert.throws(() => open.beginTx(), outOfOrder);
    assert.throws(
      () => new BlockOverlay(base, 5),
      (e: unknown) => e instanceof ScoreError && e.code === 'INVALID_ARGUMENT',
    );
  });
});

describe('state root', () => {
  test('is SHA3-256(parent root ‖ the sorted write set), keys ordered by UTF-8 bytes', () => {
    const writes = encodeWrites([
      ['\u{1F600}', 'emoji'],
      ['\uFFFD', 'replacement'],
      ['b', null],
      ['a', ''],
    ]);
    assert.deepEqual(
      writes.map((w) => Buffer.from(w.key).toString('hex')),
      ['61', '62', 'efbfbd', 'f09f9880'],
      'U+FFFD sorts before U+1F600 in UTF-8, though not in UTF-16',
    );
    const u32 = (n: number) => Uint8Array.of(0, 0, 0, n);
    const expected = concatBytes(
      Uint8Array.of(1),
      u32(4),
      ...[
        [u32(1), Uint8Array.of(0x61), Uint8Array.of(1), u32(0)],
        [u32(1), Uint8Array.of(0x62), Uint8Array.of(0)],
        [u32(3), Buffer.from('efbfbd', 'hex'), Uint8Array.of(1), u32(11), Buffer.from('replacement')],
        [u32(4), Buffer.from('f09f9880', 'hex'), Uint8Array.of(1), u32(5), Buffer.from('emoji')],
      ].flat(),
    );
    assert.deepEqual(encodeWriteSet(writes), expected);
    assert.deepEqual(
      chainStateRoot(EMPTY_STATE_ROOT, writes),
      sha3_256(concatBytes(new Uint8Array(32), expected)),
    );
  });

  test('chains: the same writes on different parents, or in different blocks, give different roots', () => {
    const base = CommittedState.empty();
    const b0 = block(base, { a: '1' });
    const b1 = block(b0, {});
    const b2 = block(b1, {});
    assert.notDeepEqual(b1.stateRoot, b0.stateRoot);
    assert.notDeepEqual(b2.stateRoot, b1.stateRoot);
    const other = block(block(base, { a: '2' }), {});
    assert.notDeepEqual(other.stateRoot, b1.stateRoot);
    const again = block(block(CommittedState.empty(), { a: '1' }), {});
    assert.deepEqual(again.stateRoot, b1.stateRoot);
  });
});

describe('state through storage', () => {
  test("each block's writes go into its storage batch; a restarted node loads the same state", async () => {
    const store = await LevelStore.wrap(
      new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }),
    );
    const storage = new ChannelStorage(store, 'test');
    const governance = await fixture('fake-governance');
    const state = CommittedState.empty();
    // The node's commit path: apply, then one batch with the block's writes, then the in-memory base.
    const run = async (transactions: Transaction[], genesis?: GenesisScore[]) => {
      const ctx = ctxAt(state.height + 1);
      const r = applyBlock(state, { transactions, ...(genesis ? { genesis } : {}) }, ctx);
      await storage.commitBlock({
        height: ctx.height,
        hash: sha3_256(`block ${ctx.height}`),
        blockBytes: Uint8Array.of(ctx.height),
        transactions: transactions.map((tx, i) => ({
          hash: tx.hash,
          bytes: encodeTransaction(tx),
          receiptBytes: r.receiptBytes[i]!,
        })),
        stateWrites: commit(r.state),
        logNodes: [],
      });
      state.apply(r.state);
      return r;
    };
    await run(
      [],
      [
        {
          address: GOVERNANCE,
          code: governance.code,
          deployer: admin.address,
          params: { admin: admin.address },
        },
      ],
    );
    const deployed = await run([deployTx(admin, CX_ZERO, await fixture('counter'))]);
    const address = deployed.receipts[0]!.scoreAddress!;
    await run([callTx(admin, GOVERNANCE, 'approve', { address, version: '0x1' })]);
    const added = callTx(alice, address, 'add', { amount: '0x5' });
    await run([added, callTx(alice, address, 'add', { amount: '0x0' })]);

    let stored = 0;
    for await (const { key, value } of storage.state.entries()) {
      stored += 1;
      assert.equal(state.get(utf8(key)), utf8(value), utf8(key));
    }
    assert.equal(stored, state.size);
    const record = await storage.transactions.get(added.hash);
    assert.equal(decodeReceipt(record!.receiptBytes).status, 1);

    const restarted = await CommittedState.load(storage.state, {
      height: state.height,
      stateRoot: state.stateRoot,
    });
    assert.equal(restarted.size, state.size);
    assert.equal(icxCall(restarted, { to: address, method: 'value' }, ctxAt(restarted.height)), '0x5');
    const next = [callTx(alice, address, 'increment')];
    const ctx = ctxAt(restarted.height + 1);
    assert.deepEqual(
      applyBlock(restarted, { transactions: next }, ctx).roots,
      applyBlock(state, { transactions: next }, ctx).roots,
    );
    await store.close();
  });

  test('state values are UTF-8 strings; a damaged entry is refused at load', async () => {
    const source = {
      async *entries() {
        yield { key: Uint8Array.of(0x61), value: Uint8Array.of(0xff) };
      },
    };
    await assert.rejects(CommittedState.load(source, { height: 0, stateRoot: EMPTY_STATE_ROOT }), ScoreError);
  });

  test('a SCORE cannot store a string that UTF-8 cannot carry', async () => {
    const chain = await TestChain.start();
    const probe = chain.deployActive(await fixture('probe'));
    const r = chain.block([
      callTx(alice, probe, 'remember', { key: 'k', value: 'lone \ud800 surrogate' }),
      callTx(alice, probe, 'remember', { key: 'pair \ud83d\ude00', value: 'fine' }),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.failure?.code ?? 'ok'),
      ['SCORE_ERROR', 'ok'],
    );
  });
});
