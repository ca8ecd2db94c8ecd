/**
 * The 2-chain commit rule (DESIGN §4, docs/consensus.md rule 4): a QC for B′ commits its parent B only
 * when B′.round = B.round + 1; B's uncommitted ancestors go with it, oldest first; a QC that would commit
 * something conflicting with the final block halts the node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hexOf } from '../../src/consensus/state.js';
import type { BlockSummary } from '../../src/consensus/types.js';
import type { TestNode } from '../helpers/consensus-fixture.js';
import { ConsensusFixture, effectsOf } from '../helpers/consensus-fixture.js';

const f = new ConsensusFixture({ n: 5 }); // q = 4; validator 0 leads no round in 1..4

/** Commits in `fx` as lists of block heights. */
function committedHeights(fx: ReturnType<TestNode['step']>): number[][] {
  return effectsOf(fx, 'commit').map((c) => c.blocks.map((b) => b.height));
}

function nodeWith(blocks: readonly BlockSummary[]): TestNode {
  const node = f.node(0);
  node.step({ type: 'start' });
  for (const b of blocks) node.accept(b);
  return node;
}

describe('2-chain commit', () => {
  test('the QC of a child in the next round, piggybacked in the grandchild, commits the parent', () => {
    const { blocks, qcs } = f.chain([1, 2, 3]);
    const [b1, b2, b3] = blocks as [BlockSummary, BlockSummary, BlockSummary];
    const node = nodeWith([b1, b2]);
    assert.equal(node.state.committed.height, 0, 'QC(b1) alone commits nothing');

    const fx = node.accept(b3); // carries QC(b2)
    const [commit] = effectsOf(fx, 'commit');
    assert.deepEqual(commit?.blocks, [b1]);
    assert.deepEqual(commit?.qc, qcs[1]);
    assert.deepEqual(node.state.committed, b1);
  });

  test('a QC formed from votes commits the same way', () => {
    const { blocks } = f.chain([1, 2]);
    const [b1, b2] = blocks as [BlockSummary, BlockSummary];
    const node = nodeWith([b1, b2]); // voted for both
    for (const v of [1, 2]) assert.deepEqual(committedHeights(node.receive(f.vote(v, b2))), []);
    assert.deepEqual(committedHeights(node.receive(f.vote(3, b2))), [[1]]);
  });

  test('no commit when the certified child is two rounds after its parent', () => {
    const { blocks, qcs } = f.chain([1, 3]); // b2 carries TC(2)
    const node = nodeWith(blocks);
    assert.equal(node.state.round, 3);
    const fx = node.learnQc(qcs[1]!, 1);
    assert.deepEqual(committedHeights(fx), []);
    assert.equal(node.state.committed.height, 0);
    assert.equal(node.state.highQc.round, 3, 'the QC is still taken as the high QC');
  });

  test('the next consecutive-round QC commits the waiting chain, oldest first', () => {
    const { blocks, qcs } = f.chain([1, 3, 4]);
    const [b1, b2, b3] = blocks as [BlockSummary, BlockSummary, BlockSummary];
    const node = nodeWith(blocks); // b3 carries QC(b2): still a gap to b1
    assert.equal(node.state.committed.height, 0);

    const fx = node.learnQc(qcs[2]!, 1); // QC(b3), b3.round = b2.round + 1
    const commits = effectsOf(fx, 'commit');
    assert.equal(commits.length, 1);
    assert.deepEqual(
      commits[0]!.blocks.map((b) => hexOf(b.hash)),
      [b1, b2].map((b) => hexOf(b.hash)),
    );
    assert.deepEqual(node.state.committed, b2);
    assert.deepEqual(
      [...node.state.blocks.keys()],
      [hexOf(b3.hash)],
      'final blocks leave the uncommitted set',
    );
  });

  test('each block is committed once, as the chain grows', () => {
    const { blocks, qcs } = f.chain([1, 2, 3, 6]);
    const node = f.node(0);
    node.step({ type: 'start' });
    const seen = blocks.map((b) => committedHeights(node.accept(b)));
    // b3 carries QC(b2) → commits b1; b4 carries QC(b3) (b3 in round 3 = b2.round + 1) → commits b2.
    assert.deepEqual(seen, [[], [], [[1]], [[2]]]);
    assert.deepEqual(committedHeights(node.learnQc(qcs[2]!, 2)), [], 'an old QC commits nothing again');
    assert.deepEqual(committedHeights(node.learnQc(qcs[3]!, 2)), [], 'b4 follows b3 after a gap');
    assert.equal(node.state.committed.height, 2);
  });
});

describe('final is final', () => {
  test('a QC that would commit a block conflicting with the final one halts the node', () => {
    const { blocks } = f.chain([1, 2, 3]);
    const node = nodeWith(blocks);
    assert.equal(node.state.committed.height, 1);
    // A fork at the final height, certified by a quorum (possible only with more than f faulty, or a
    // corrupted store): the node holds it as if it had been fetched.
    const fork1 = f.block({ round: 4, parent: f.genesis, tc: f.timeoutCert(3), txCount: 9 });
    const fork2 = f.block({ round: 5, parent: fork1 });
    for (const b of [fork1, fork2]) node.state.blocks.set(hexOf(b.hash), { block: b, status: 'valid' });

    const fx = node.learnQc(f.certify(fork2), 1);
    const halts = effectsOf(fx, 'halt');
    assert.equal(halts.length, 1);
    assert.match(halts[0]!.reason, /conflicting with final height 1/);
    assert.deepEqual(effectsOf(fx, 'commit'), []);
    assert.equal(node.state.committed.height, 1);
    assert.deepEqual(node.state.committed, blocks[0]);
    assert.ok(node.state.halted !== undefined);
    // A halted node does nothing more.
    assert.deepEqual(node.step({ type: 'timer', round: node.state.round }), []);
    assert.deepEqual(node.receive(f.vote(1, fork2)), []);
  });

  test('a block the node committed is never found invalid by its own execution without a halt (I5)', () => {
    // The runtime has not answered `execute` for b1 yet when QC(b2), piggybacked in b3, commits it.
    const { blocks } = f.chain([1, 2, 3]);
    const [b1, b2, b3] = blocks as [BlockSummary, BlockSummary, BlockSummary];
    const node = f.node(0);
    node.step({ type: 'start' });
    node.propose(b1);
    node.propose(b2);
    const committed = committedHeights(node.propose(b3));
    const late = node.executed(b1, false);
    assert.ok(
      committed.length === 0 || effectsOf(late, 'halt').length === 1,
      `b1 was committed (${JSON.stringify(committed)}) before its execution finished, and its failure ` +
        `then produced ${JSON.stringify(late.map((e) => e.type))} instead of a halt`,
    );
  });
});
