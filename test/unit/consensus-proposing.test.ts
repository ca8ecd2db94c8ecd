/**
 * Leaders (DESIGN §4, docs/consensus.md rules 1 and 7): rotation over leader terms, proposing once per
 * round, and the idle chain — a leader proposes for pending transactions, or an empty block only while a
 * non-empty one still waits for the child QC that commits it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { leaderOf } from '../../src/consensus/lft.js';
import {
  ConsensusFixture,
  TestNode,
  broadcastsOf,
  effectTypes,
  effectsOf,
  rejectReasons,
} from '../helpers/consensus-fixture.js';

describe('leader rotation', () => {
  test('with leaderTerm 2 each validator leads two consecutive rounds, in set order', () => {
    const f = new ConsensusFixture({ leaderTerm: 2 });
    const node = f.node(3);
    const leaders = [...Array(10).keys()].map((r) => f.ids.indexOf(leaderOf(node.state, r, 1)));
    assert.deepEqual(leaders, [0, 0, 1, 1, 2, 2, 3, 3, 0, 0]);
  });

  test('proposals are accepted from the leader of their term and refused from the next one too early', () => {
    const f = new ConsensusFixture({ leaderTerm: 2 });
    const node = f.node(3);
    node.step({ type: 'start' });
    const b1 = f.block({ round: 1, parent: f.genesis, proposer: 0 });
    const b2 = f.block({ round: 2, parent: b1, proposer: 1 });
    const b3 = f.block({ round: 3, parent: b2, proposer: 1 });
    for (const b of [b1, b2, b3]) {
      const fx = node.accept(b);
      assert.deepEqual(rejectReasons(fx), [], `round ${b.round}`);
      assert.equal(broadcastsOf(fx, 'vote').length, 1, `vote in round ${b.round}`);
    }
    // Round 4 belongs to validator 2: validator 1's term is over.
    const late = f.block({ round: 4, parent: b3, proposer: 1 });
    assert.deepEqual(rejectReasons(node.propose(late)), ['WRONG_LEADER']);
    const b4 = f.block({ round: 4, parent: b3, proposer: 2 });
    const fx = node.propose(b4);
    assert.deepEqual(rejectReasons(fx), []);
    assert.deepEqual(effectsOf(fx, 'execute')[0]?.block, b4);
  });
});

describe('idle chain', () => {
  test('an idle leader waits until transactions are pending, then asks for one block in the round', () => {
    const f = new ConsensusFixture();
    const node = f.node(f.leader(1));
    assert.deepEqual(effectTypes(node.step({ type: 'start' })), ['scheduleTimer']);

    const fx = node.step({ type: 'pendingTransactions', pending: true });
    assert.deepEqual(effectsOf(fx, 'buildProposal'), [
      {
        type: 'buildProposal',
        round: 1,
        height: 1,
        parentHash: f.genesis.hash,
        qc: f.genesis.qc,
        tc: undefined,
      },
    ]);
    assert.deepEqual(node.step({ type: 'pendingTransactions', pending: true }), [], 'once per round');
  });

  test('the leader persists its proposed round before asking for a block, and does not ask again after a restart', () => {
    const f = new ConsensusFixture();
    const node = f.node(f.leader(1));
    node.step({ type: 'start' });
    const fx = node.step({ type: 'pendingTransactions', pending: true });
    assert.deepEqual(effectTypes(fx), ['persist', 'buildProposal']);
    const record = TestNode.lastRecord(fx);
    assert.equal(record?.lastProposedRound, 1);

    const restarted = f.node(f.leader(1), record);
    restarted.step({ type: 'start' });
    assert.equal(restarted.state.round, 1);
    assert.deepEqual(
      effectsOf(restarted.step({ type: 'pendingTransactions', pending: true }), 'buildProposal'),
      [],
    );
  });

  test('a validator that does not lead the round never asks for a block', () => {
    const f = new ConsensusFixture();
    const node = f.node(f.leader(2));
    node.step({ type: 'start' });
    assert.deepEqual(node.step({ type: 'pendingTransactions', pending: true }), []);
  });

  test('the proposal built for the round is broadcast and voted for by its leader', () => {
    const f = new ConsensusFixture();
    const node = f.node(1);
    node.step({ type: 'start' });
    node.step({ type: 'pendingTransactions', pending: true });
    const b1 = f.block({ round: 1, parent: f.genesis, proposer: 1, txCount: 5 });
    const fx = node.step({ type: 'proposalBuilt', block: b1 });
    assert.deepEqual(effectTypes(fx), ['broadcast:proposal', 'persist', 'broadcast:vote']);
    assert.deepEqual(broadcastsOf(fx, 'proposal')[0]!.block, b1);
    assert.deepEqual(broadcastsOf(fx, 'vote')[0]!.blockHash, b1.hash);
    const again = f.block({ round: 1, parent: f.genesis, proposer: 1, txCount: 6 });
    assert.deepEqual(node.step({ type: 'proposalBuilt', block: again }), [], 'one block per round');
  });

  /** The leader of round 2 after a QC of b1 (round 1) formed from votes; returns its effects. */
  function leaderAfterQcOf(txCount: number) {
    const f = new ConsensusFixture();
    const node = f.node(2);
    node.step({ type: 'start' });
    const b1 = f.block({ round: 1, parent: f.genesis, txCount });
    node.accept(b1);
    node.receive(f.vote(0, b1));
    const fx = node.receive(f.vote(1, b1));
    assert.equal(node.state.round, 2);
    return { f, b1, fx };
  }

  test('with no transactions pending, the leader proposes an empty block to commit a non-empty one', () => {
    const { b1, fx } = leaderAfterQcOf(3);
    const [build] = effectsOf(fx, 'buildProposal');
    assert.ok(build !== undefined);
    assert.deepEqual(
      { round: build.round, height: build.height, parentHash: build.parentHash, qcRound: build.qc.round },
      { round: 2, height: 2, parentHash: b1.hash, qcRound: 1 },
    );
  });

  test('with no transactions pending and only an empty block uncommitted, the leader stays idle', () => {
    const { fx } = leaderAfterQcOf(0);
    assert.deepEqual(effectsOf(fx, 'buildProposal'), []);
  });

  test('once the non-empty block is committed, the next leader does not grow the chain with empty blocks', () => {
    const f = new ConsensusFixture();
    const node = f.node(3); // leads round 3
    node.step({ type: 'start' });
    const b1 = f.block({ round: 1, parent: f.genesis, txCount: 3 });
    const b2 = f.block({ round: 2, parent: b1, txCount: 0 });
    node.accept(b1);
    node.accept(b2);
    node.receive(f.vote(0, b2));
    const fx = node.receive(f.vote(1, b2)); // QC(b2): commits b1, enters round 3
    assert.deepEqual(
      effectsOf(fx, 'commit').map((c) => c.blocks.map((b) => b.height)),
      [[1]],
    );
    assert.equal(node.state.round, 3);
    assert.deepEqual(effectsOf(fx, 'buildProposal'), []);
    // New transactions wake it up in the same round.
    const wake = node.step({ type: 'pendingTransactions', pending: true });
    assert.equal(effectsOf(wake, 'buildProposal')[0]?.parentHash, b2.hash);
  });
});
