/**
 * Catch-up and governance (docs/consensus.md rules 8 and 9): a QC for a block the node does not know makes
 * it request sync and neither vote nor propose until `synced` restores the blocks; validator sets change
 * at a later height, and QCs, votes and leaders of that height follow the new set.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { knownBlock } from '../../src/consensus/state.js';
import type { BlockSummary, SafetyRecord } from '../../src/consensus/types.js';
import type { TestNode } from '../helpers/consensus-fixture.js';
import { ConsensusFixture, broadcastsOf, effectsOf, rejectReasons } from '../helpers/consensus-fixture.js';

describe('sync', () => {
  const f = new ConsensusFixture(); // n = 4: leaders of rounds 1, 2, 3, 4 are validators 1, 2, 3, 0
  const { blocks, qcs } = f.chain([1, 2, 3, 4]);
  const [b1, b2, b3, b4] = blocks as [BlockSummary, BlockSummary, BlockSummary, BlockSummary];

  function started(self = 0): TestNode {
    const node = f.node(self);
    node.step({ type: 'start' });
    return node;
  }

  test('a proposal on an unknown parent makes the node request sync to its QC, from the sender', () => {
    const node = started();
    const fx = node.propose(b3); // carries QC(b2); b1 and b2 were missed
    assert.deepEqual(effectsOf(fx, 'requestSync'), [{ type: 'requestSync', target: qcs[1], from: f.id(3) }]);
    assert.deepEqual(rejectReasons(fx), ['UNKNOWN_PARENT']);
    assert.deepEqual(effectsOf(fx, 'execute'), []);
    assert.equal(node.state.round, 3, 'the QC still moves it to the round');
    assert.deepEqual(node.state.syncTarget, qcs[1]);
  });

  test('a QC of unknown block inside a timeout also starts a sync, once for the same target', () => {
    const node = started();
    const fx = node.learnQc(qcs[1]!, 2);
    assert.deepEqual(effectsOf(fx, 'requestSync'), [{ type: 'requestSync', target: qcs[1], from: f.id(2) }]);
    assert.deepEqual(effectsOf(node.learnQc(qcs[1]!, 3), 'requestSync'), [], 'already syncing to it');
  });

  test('synced blocks are restored, commit by the 2-chain rule and end the sync', () => {
    const node = started();
    node.propose(b3);
    const fx = node.step({
      type: 'synced',
      blocks: [
        { block: b1, qc: qcs[0]! },
        { block: b2, qc: qcs[1]! },
      ],
    });
    assert.deepEqual(
      effectsOf(fx, 'commit').map((c) => c.blocks),
      [[b1]],
    );
    assert.deepEqual(effectsOf(fx, 'requestSync'), []);
    assert.equal(node.state.syncTarget, undefined);
    assert.deepEqual(knownBlock(node.state, b2.hash), b2);
  });

  test('an answer that falls short of the target (a forged QC) is dropped and the sync asked again', () => {
    const node = started();
    node.propose(b3);
    const forged = { ...qcs[0]!, votes: qcs[0]!.votes.slice(0, 2) };
    const fx = node.step({
      type: 'synced',
      blocks: [
        { block: b1, qc: forged },
        { block: b2, qc: qcs[1]! },
      ],
    });
    assert.deepEqual(
      effectsOf(fx, 'requestSync').map((e) => e.target),
      [qcs[1]],
    );
    assert.equal(knownBlock(node.state, b1.hash), undefined);
    assert.deepEqual(node.state.syncTarget, qcs[1]);
  });

  test('a pair whose QC certifies another block is not restored', () => {
    const node = started();
    node.propose(b3);
    const fx = node.step({
      type: 'synced',
      blocks: [
        { block: b1, qc: qcs[1]! },
        { block: b2, qc: qcs[1]! },
      ],
    });
    assert.equal(knownBlock(node.state, b1.hash), undefined);
    assert.equal(knownBlock(node.state, b2.hash), undefined);
    assert.deepEqual(
      effectsOf(fx, 'requestSync').map((e) => e.target),
      [qcs[1]],
    );
  });

  test('a syncing leader does not propose even when the block of its high QC is at hand', () => {
    // b1 (round 1) ← y (round 3, via TC(2)) is what the node holds; x (round 2) was certified elsewhere
    // and its QC arrives late: the node syncs to x while its high QC (of y) is a block it has.
    const b1e = f.block({ round: 1, parent: f.genesis, txCount: 0 });
    const x = f.block({ round: 2, parent: b1e, txCount: 0 });
    const tc2 = f.timeoutCert(2, 1, [
      { sender: 1, highQcRound: 1 },
      { sender: 2, highQcRound: 1 },
      { sender: 3, highQcRound: 1 },
    ]);
    const y = f.block({ round: 3, parent: b1e, tc: tc2, txCount: 0 });
    const node = started(0); // leads round 4
    node.accept(b1e);
    node.accept(y);
    node.learnQc(f.certify(y), 1);
    assert.equal(node.state.round, 4);
    assert.equal(effectsOf(node.learnQc(f.certify(x, [1, 2, 3]), 2), 'requestSync').length, 1);

    assert.deepEqual(node.step({ type: 'pendingTransactions', pending: true }), []);
    const fx = node.step({ type: 'synced', blocks: [{ block: x, qc: f.certify(x, [1, 2, 3]) }] });
    assert.equal(effectsOf(fx, 'buildProposal')[0]?.parentHash, y.hash, 'proposes once synced');
  });

  test('a node does not vote while it is syncing', () => {
    // b1 is known; in round 2 the others certified x (QC reported late), round 2 also timed out with
    // everyone's high QC at round 1, and round 3's leader extends b1 with TC(2): a block safe to vote for.
    const x = f.block({ round: 2, parent: b1, txCount: 4 });
    const qcX = f.certify(x, [1, 2, 3]);
    const tc2 = f.timeoutCert(2, 1, [
      { sender: 1, highQcRound: 1 },
      { sender: 2, highQcRound: 1 },
      { sender: 3, highQcRound: 1 },
    ]);
    const b3tc = f.block({ round: 3, parent: b1, tc: tc2 });
    const setUp = () => {
      const node = started();
      node.accept(b1);
      node.propose(b3tc);
      assert.equal(node.state.round, 3);
      return node;
    };

    const control = setUp();
    assert.equal(
      broadcastsOf(control.executed(b3tc), 'vote').length,
      1,
      'control: it votes when not syncing',
    );

    const node = setUp();
    const sync = node.learnQc(qcX, 2); // QC(x): x is unknown
    assert.equal(effectsOf(sync, 'requestSync').length, 1);
    const fx = node.executed(b3tc);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
    assert.deepEqual(effectsOf(fx, 'persist'), []);
    assert.equal(node.state.lastVotedRound, 1);
  });

  test('a syncing leader does not propose, and proposes once the blocks are restored', () => {
    const node = started(3); // leads round 3
    node.step({ type: 'pendingTransactions', pending: true });
    const fx = node.learnQc(qcs[1]!, 1); // QC(b2): round 3, b2 unknown
    assert.equal(node.state.round, 3);
    assert.equal(effectsOf(fx, 'requestSync').length, 1);
    assert.deepEqual(effectsOf(fx, 'buildProposal'), []);

    const synced = node.step({
      type: 'synced',
      blocks: [
        { block: b1, qc: qcs[0]! },
        { block: b2, qc: qcs[1]! },
      ],
    });
    const [build] = effectsOf(synced, 'buildProposal');
    assert.deepEqual(
      { round: build?.round, parentHash: build?.parentHash },
      { round: 3, parentHash: b2.hash },
    );
  });

  test('after the sync the node votes again, on the chain it caught up with', () => {
    // A node that missed b1 and b2 hears b3 (whose parent it lacks), syncs, and must then rejoin voting:
    // first b3 (still the current round), then b4, which extends b3.
    const node = started(2); // leads round 2 only
    node.accept(b3);
    const synced = node.run({
      type: 'synced',
      blocks: [
        { block: b1, qc: qcs[0]! },
        { block: b2, qc: qcs[1]! },
      ],
    });
    assert.deepEqual(
      broadcastsOf(synced, 'vote').map((v) => v.blockHash),
      [b3.hash],
      'b3 waited for its parent and is voted in its round',
    );
    const fx = node.accept(b4);
    assert.deepEqual(effectsOf(fx, 'requestSync'), [], 'b4’s parent b3 is known: nothing more to fetch');
    assert.deepEqual(rejectReasons(fx), []);
    assert.deepEqual(
      broadcastsOf(fx, 'vote').map((v) => v.round),
      [4],
    );
  });

  test('a proposal that waited for its parent is dropped if its round passed during the sync', () => {
    const node = started(2);
    node.accept(b3);
    node.receive(f.timeout(1, 4, qcs[1]!, f.timeoutCert(3, 2))); // TC(3): round 4
    assert.equal(node.state.round, 4);
    const fx = node.run({
      type: 'synced',
      blocks: [
        { block: b1, qc: qcs[0]! },
        { block: b2, qc: qcs[1]! },
      ],
    });
    assert.deepEqual(effectsOf(fx, 'execute'), []);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
  });

  test('a restarted node whose high QC names a block it lacks asks for sync at start', () => {
    const record: SafetyRecord = { lastVotedRound: 2, lastProposedRound: 0, highQc: qcs[1]! };
    const node = f.node(0, record);
    assert.equal(node.state.round, 3);
    const fx = node.step({ type: 'start' });
    assert.deepEqual(effectsOf(fx, 'requestSync'), [{ type: 'requestSync', target: qcs[1], from: node.id }]);
  });
});

describe('validator-set changes', () => {
  // From height 3, validator 4 replaces validator 0.
  const f = new ConsensusFixture({ laterSets: [{ fromHeight: 3, members: [4, 1, 2, 3] }] });
  const { blocks, qcs } = f.chain([1, 2, 3]);
  const [, b2, b3] = blocks as [BlockSummary, BlockSummary, BlockSummary];

  function started(withChange: boolean): TestNode {
    const node = f.node(2);
    node.step({ type: 'start' });
    if (withChange) assert.deepEqual(node.step(f.setChange()), []);
    return node;
  }

  test('a QC at the changed height is checked against the new set', () => {
    const qc3 = qcs[2]!; // signed by validators 4, 1, 2
    assert.deepEqual(
      rejectReasons(started(false).learnQc(qc3, 1)),
      ['INVALID_QC'],
      'unknown before the change',
    );

    const node = started(true);
    const fx = node.learnQc(qc3, 1);
    assert.deepEqual(rejectReasons(fx), []);
    assert.deepEqual(node.state.highQc, qc3);
    assert.equal(node.state.round, 4);

    const byOldSet = f.certify(b3, [0, 1, 2]);
    const refused = started(true).learnQc(byOldSet, 1);
    assert.deepEqual(rejectReasons(refused), ['INVALID_QC']);
    assert.match(effectsOf(refused, 'reject')[0]!.detail, /not a validator at height 3/);
  });

  test('QCs below the changed height still follow the old set', () => {
    const node = started(true);
    const qc2 = f.certify(b2, [0, 1, 2]);
    assert.deepEqual(rejectReasons(node.learnQc(qc2, 1)), []);
    assert.deepEqual(node.state.highQc, qc2);
  });

  test('votes at the changed height count for the new members only', () => {
    const node = started(true);
    assert.deepEqual(rejectReasons(node.receive(f.vote(0, b3))), ['NOT_A_VALIDATOR']);
    for (const v of [4, 1]) assert.deepEqual(node.receive(f.vote(v, b3)), []);
    node.receive(f.vote(3, b3));
    assert.equal(node.state.highQc.height, 3, 'three new-set votes make the QC');
    assert.deepEqual(
      node.state.highQc.votes.map((v) => v.voter),
      [f.id(4), f.id(1), f.id(3)].sort(),
    );
  });

  test('the leader of a round at the changed height comes from the new set', () => {
    const node = started(true);
    assert.equal(f.leader(4, 4), 4, 'round 4 at height 4: position 0 of the new set');
    const b4 = f.block({ round: 4, parent: b3 });
    assert.deepEqual(
      rejectReasons(node.propose(b4)),
      ['UNKNOWN_PARENT'],
      'accepted up to its missing parent',
    );
    const byOldLeader = f.block({ round: 4, parent: b3, proposer: 0 });
    assert.deepEqual(rejectReasons(started(true).propose(byOldLeader)), ['NOT_A_VALIDATOR']);
  });
});
