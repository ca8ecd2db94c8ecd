/**
 * The voting rule of LFT (DESIGN §4, docs/consensus.md rule 2) and QC formation: vote once, only in the
 * current round, only for a block executed valid, only when it is justified by QC(r − 1) or by TC(r − 1)
 * whose high QCs it extends; persist before the vote leaves; q votes make a QC and the next round.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qcProblem } from '../../src/consensus/certificates.js';
import { voteDigest } from '../../src/consensus/digests.js';
import {
  CHANNEL,
  ConsensusFixture,
  TestNode,
  broadcastsOf,
  effectTypes,
  effectsOf,
  rejectReasons,
  unpersistedSignatures,
  verifyAs,
} from '../helpers/consensus-fixture.js';

const f = new ConsensusFixture();

function started(self = 0): TestNode {
  const node = f.node(self);
  node.step({ type: 'start' });
  return node;
}

describe('vote safety', () => {
  test('votes only after the block executed valid, persisting the voted round before the vote', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis });

    const onProposal = node.propose(b1);
    assert.deepEqual(effectTypes(onProposal), ['execute']);
    assert.deepEqual(effectsOf(onProposal, 'execute')[0]!.block.hash, b1.hash);

    const onExecuted = node.executed(b1);
    assert.deepEqual(effectTypes(onExecuted), ['persist', 'broadcast:vote']);
    assert.deepEqual(TestNode.lastRecord(onExecuted), {
      lastVotedRound: 1,
      lastProposedRound: 0,
      highQc: f.genesis.qc,
    });
    const [vote] = broadcastsOf(onExecuted, 'vote');
    assert.deepEqual(
      { height: vote!.height, round: vote!.round, blockHash: vote!.blockHash, voter: vote!.voter },
      { height: 1, round: 1, blockHash: b1.hash, voter: node.id },
    );
    assert.ok(verifyAs(voteDigest(CHANNEL, 1, 1, b1.hash), vote!.signature, node.id), 'a real signature');
    assert.equal(node.state.lastVotedRound, 1);
  });

  test('does not vote for a block whose execution fails, nor later for the same block', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis });
    node.propose(b1);

    const fx = node.executed(b1, false);
    assert.deepEqual(rejectReasons(fx), ['INVALID_BLOCK']);
    assert.equal(effectsOf(fx, 'reject')[0]!.from, f.id(1), 'blamed on the proposer');
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
    assert.deepEqual(node.executed(b1, true), [], 'a late "valid" answer for a dropped block is ignored');
    assert.equal(node.state.lastVotedRound, 0);
  });

  test('votes only in its current round: a block that finishes executing after the node moved on gets none', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis });
    node.propose(b1);
    // TC(1) reaches the node inside a peer's timeout for round 2: the node enters round 2.
    node.receive(f.timeout(1, 2, f.genesis.qc, f.timeoutCert(1)));
    assert.equal(node.state.round, 2);

    assert.deepEqual(node.executed(b1), []);
    assert.equal(node.state.lastVotedRound, 0);
  });

  test('never votes twice in one round: not for the same block again, not for an equivocating one', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis, txCount: 1 });
    assert.equal(broadcastsOf(node.accept(b1), 'vote').length, 1);

    assert.deepEqual(node.executed(b1), [], 'a repeated execution answer signs nothing');
    const other = f.block({ round: 1, parent: f.genesis, txCount: 2 });
    const fx = node.accept(other);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
    assert.deepEqual(effectsOf(fx, 'execute'), []);
  });

  test('after a restart from its persisted record it does not vote again in the voted round, even for another block', () => {
    const before = started();
    const record = TestNode.lastRecord(before.accept(f.block({ round: 1, parent: f.genesis, txCount: 1 })));
    assert.deepEqual(record, { lastVotedRound: 1, lastProposedRound: 0, highQc: f.genesis.qc });

    // The restarted node has no memory of the first proposal, so the other block reaches execution.
    const other = f.block({ round: 1, parent: f.genesis, txCount: 2 });
    const restarted = f.node(0, record);
    restarted.step({ type: 'start' });
    assert.equal(restarted.state.round, 1);
    const fx = restarted.accept(other);
    assert.equal(effectsOf(fx, 'execute').length, 1);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
    assert.deepEqual(effectsOf(fx, 'persist'), []);

    // Control: without the record the same block gets a vote.
    assert.equal(broadcastsOf(started().accept(other), 'vote').length, 1);
  });

  test('does not vote in a round it timed out in', () => {
    const node = started();
    node.step({ type: 'pendingTransactions', pending: true });
    assert.equal(broadcastsOf(node.step({ type: 'timer', round: 1 }), 'timeout').length, 1);

    const fx = node.accept(f.block({ round: 1, parent: f.genesis }));
    assert.equal(effectsOf(fx, 'execute').length, 1);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
  });
});

describe('justification of a round: QC(r − 1), or TC(r − 1) and the highest QC inside it', () => {
  /** A node moved to round 3 by TC(2) that a peer's timeout carries. */
  function inRound3(): TestNode {
    const node = started();
    node.receive(f.timeout(1, 3, f.genesis.qc, f.timeoutCert(2, 0)));
    assert.equal(node.state.round, 3);
    return node;
  }

  test('refuses a block whose QC is not of round − 1 when no TC is attached', () => {
    const node = inRound3();
    const b3 = f.block({ round: 3, parent: f.genesis });
    const fx = node.accept(b3);
    // Refused before execution: no node could vote for it, so executing it would be wasted work.
    assert.deepEqual(
      effectsOf(fx, 'reject').map((r) => r.reason),
      ['UNSAFE_PROPOSAL'],
    );
    assert.equal(effectsOf(fx, 'execute').length, 0);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
    assert.equal(node.state.lastVotedRound, 0);
  });

  test('votes for a block that carries TC(r − 1) and extends the highest QC the TC reports', () => {
    const node = inRound3();
    const b3 = f.block({ round: 3, parent: f.genesis, tc: f.timeoutCert(2, 0) });
    const votes = broadcastsOf(node.accept(b3), 'vote');
    assert.deepEqual(
      votes.map((v) => v.blockHash),
      [b3.hash],
    );
  });

  test('refuses a TC-justified block whose QC is below the highest QC round inside the TC', () => {
    const node = started();
    // One timeout of TC(2) reports a QC of round 1: a block extending only genesis could fork it away.
    const tc = f.timeoutCert(2, 0, [
      { sender: 1, highQcRound: 1 },
      { sender: 2, highQcRound: 0 },
      { sender: 3, highQcRound: 0 },
    ]);
    const b3 = f.block({ round: 3, parent: f.genesis, tc });
    const fx = node.accept(b3);
    assert.equal(node.state.round, 3, 'the TC itself is valid and moves the node on');
    assert.deepEqual(
      effectsOf(fx, 'reject').map((r) => r.reason),
      ['UNSAFE_PROPOSAL'],
    );
    assert.equal(effectsOf(fx, 'execute').length, 0);
    assert.deepEqual(broadcastsOf(fx, 'vote'), []);
  });
});

describe('persist before signing', () => {
  test('every vote and timeout broadcast is preceded by a persist of its round, through a varied run', () => {
    const n7 = new ConsensusFixture({ n: 7 });
    const node = n7.node(2);
    const all = [node.step({ type: 'start' })];
    const b1 = n7.block({ round: 1, parent: n7.genesis });
    all.push(node.accept(b1)); // vote in round 1
    all.push(node.step({ type: 'timer', round: 1 })); // work: b1 waits → timeout, repeated
    all.push(node.step({ type: 'timer', round: 1 }));
    // A QC of b1 (round 1) from votes enters round 2, which this node leads.
    for (const v of [0, 1, 3, 4]) all.push(node.receive(n7.vote(v, b1)));
    assert.equal(node.state.round, 2);
    const build = effectsOf(all.at(-1)!, 'buildProposal')[0];
    assert.ok(build !== undefined, 'the leader of round 2 is asked for a block');
    const b2 = n7.block({ round: 2, parent: b1, qc: build.qc, proposer: 2 });
    all.push(node.step({ type: 'proposalBuilt', block: b2 })); // own proposal, own vote
    // A QC of b2 enters round 3, where f + 1 = 3 peers' timeouts make the node join.
    for (const v of [0, 1, 3, 4]) all.push(node.receive(n7.vote(v, b2)));
    assert.equal(node.state.round, 3);
    for (const v of [0, 1, 3]) all.push(node.receive(n7.timeout(v, 3, node.state.highQc))); // join

    const signed = all.flatMap((fx) => [...broadcastsOf(fx, 'vote'), ...broadcastsOf(fx, 'timeout')]);
    assert.deepEqual(
      signed.map((m) => `${m.kind}:${m.round}`),
      ['vote:1', 'timeout:1', 'timeout:1', 'vote:2', 'timeout:3'],
    );
    for (const fx of all) assert.deepEqual(unpersistedSignatures(fx), []);
  });
});

describe('QC formation', () => {
  test('q votes for one block form a QC, move the node to the next round and reset its timer', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis });
    node.accept(b1); // its own vote
    assert.deepEqual(node.receive(f.vote(1, b1)), [], 'two of q = 3 votes: nothing yet');
    assert.equal(node.state.round, 1);

    const fx = node.receive(f.vote(2, b1));
    assert.equal(node.state.round, 2);
    assert.deepEqual(effectsOf(fx, 'scheduleTimer'), [{ type: 'scheduleTimer', round: 2, delayMs: 1000 }]);
    const qc = node.state.highQc;
    assert.deepEqual(
      { height: qc.height, round: qc.round, blockHash: qc.blockHash },
      { height: 1, round: 1, blockHash: b1.hash },
    );
    assert.deepEqual(
      qc.votes.map((v) => v.voter),
      [f.id(0), f.id(1), f.id(2)].sort(),
    );
    assert.equal(
      qcProblem(qc, CHANNEL, f.ids, { sign: () => new Uint8Array(), verify: verifyAs }),
      undefined,
    );

    assert.deepEqual(node.receive(f.vote(3, b1)), [], 'a fourth vote forms nothing new');
    assert.equal(node.state.round, 2);
  });

  test('votes for different blocks of a round do not add up to a QC', () => {
    const node = started();
    const b1 = f.block({ round: 1, parent: f.genesis, txCount: 1 });
    const other = f.block({ round: 1, parent: f.genesis, txCount: 2 });
    node.receive(f.vote(1, b1));
    node.receive(f.vote(2, other));
    node.receive(f.vote(3, b1));
    assert.equal(node.state.round, 1);
    assert.equal(node.state.highQc.round, 0);
    // The node's own vote for b1, signed before a restart, relayed back by a peer.
    node.receive(f.vote(0, b1), f.id(1));
    assert.equal(node.state.round, 2);
  });
});
