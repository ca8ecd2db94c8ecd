/**
 * The uncommitted blocks of a channel (src/channel/pending-blocks.ts): walks down parent links, the
 * certified chain served to syncing peers, pruning of final blocks and of orphans, the count of blocks not
 * executed yet (what bounds a flooding peer).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QuorumCert } from '../../src/consensus/types.js';
import { PendingBlocks } from '../../src/channel/pending-blocks.js';
import type { ExecutedBlock } from '../../src/channel/block-exec.js';
import type { PendingBlock } from '../../src/channel/types.js';

const hashOf = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const qcFor = (n: number): QuorumCert => ({ height: n, round: n, blockHash: hashOf(n), votes: [] });

/** Block n extends block n − 1; executed blocks hold transactions tx(n, 0..k−1). */
function block(n: number, o: { executed?: boolean; txs?: number; seenAt?: number } = {}): PendingBlock {
  const txs = Array.from({ length: o.txs ?? 1 }, (_, i) => ({
    hash: new Uint8Array(32).fill(100 + n * 10 + i),
  }));
  return {
    block: { header: { height: n, prevHash: hashOf(n - 1) } } as PendingBlock['block'],
    bytes: Uint8Array.of(n),
    summary: { height: n, hash: hashOf(n), qc: qcFor(n - 1) } as PendingBlock['summary'],
    ...(o.executed === false ? {} : { executed: { transactions: txs } as unknown as ExecutedBlock }),
    seenAt: o.seenAt ?? 1_000,
  };
}

describe('PendingBlocks', () => {
  test('the executed chain, its transactions and the certified chain with each QC', () => {
    const pending = new PendingBlocks();
    for (const n of [1, 2, 3]) pending.set(block(n, { txs: 2 }));
    pending.set(block(4, { executed: false }));
    assert.deepEqual(
      [...pending.executedChain(hashOf(3))].map((p) => p.summary.height),
      [3, 2, 1],
    );
    assert.deepEqual([...pending.executedChain(hashOf(4))], [], 'an unexecuted block starts no chain');
    assert.equal(pending.transactionsBelow(hashOf(2)).size, 4);
    assert.ok(pending.holdsTransaction(new Uint8Array(32).fill(131)));
    assert.ok(!pending.holdsTransaction(new Uint8Array(32).fill(9)));
    const chain = pending.certifiedChain(qcFor(3));
    assert.deepEqual(
      chain.map(({ block: b, qc }) => [b.summary.height, qc.height]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
  });

  test('prune drops final blocks and orphans older than a minute, keeps the rest', () => {
    const pending = new PendingBlocks();
    pending.set(block(1));
    pending.set(block(2));
    pending.set(block(7, { executed: false, seenAt: 1_000 }));
    pending.set(block(8, { executed: false, seenAt: 50_000 }));
    assert.equal(pending.unexecuted(), 2);
    pending.prune(1, 70_000);
    assert.equal(pending.get(hashOf(1)), undefined, 'final');
    assert.ok(pending.get(hashOf(2)));
    assert.equal(pending.get(hashOf(7)), undefined, 'an orphan past its time');
    assert.ok(pending.get(hashOf(8)), 'a recent orphan stays');
    assert.equal(pending.unexecuted(), 1);
  });
});
