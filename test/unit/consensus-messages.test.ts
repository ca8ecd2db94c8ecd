/**
 * What the reducer refuses, with the typed reason the network layer throttles peers by (docs/consensus.md,
 * "Messages are rejected with a typed reason"): forged or misplaced proposals, votes and timeouts, forged
 * QCs and TCs, and equivocation with its evidence. A refused message changes nothing else.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { voteDigest } from '../../src/consensus/digests.js';
import type { ConsensusEffect, QuorumCert, TimeoutCert } from '../../src/consensus/types.js';
import { signRecoverable } from '../../src/crypto/secp256k1.js';
import type { TestNode } from '../helpers/consensus-fixture.js';
import {
  CHANNEL,
  ConsensusFixture,
  broadcastsOf,
  effectsOf,
  rejectReasons,
  signer,
} from '../helpers/consensus-fixture.js';

const f = new ConsensusFixture(); // n = 4, q = 3, futureRoundWindow = 10
const OUTSIDER = 9;

function started(): TestNode {
  const node = f.node(0);
  node.step({ type: 'start' });
  return node;
}

/** The reasons in `fx`, and that nothing but the rejection came out. */
function onlyRejected(fx: readonly ConsensusEffect[]): string[] {
  assert.deepEqual(
    fx.filter((e) => e.type !== 'reject' && e.type !== 'evidence'),
    [],
    'a refused message has no other effect',
  );
  return rejectReasons(fx);
}

describe('proposals', () => {
  const b1 = f.block({ round: 1, parent: f.genesis });

  test('from a non-validator: NOT_A_VALIDATOR', () => {
    const forged = f.block({ round: 1, parent: f.genesis, proposer: OUTSIDER });
    assert.deepEqual(onlyRejected(started().propose(forged)), ['NOT_A_VALIDATOR']);
  });

  test('signed by someone other than its proposer: BAD_SIGNATURE', () => {
    const forged = f.block({ round: 1, parent: f.genesis, signedBy: 2 });
    assert.deepEqual(onlyRejected(started().propose(forged)), ['BAD_SIGNATURE']);
  });

  test('from a validator that does not lead the round: WRONG_LEADER', () => {
    const forged = f.block({ round: 1, parent: f.genesis, proposer: 2 });
    assert.deepEqual(onlyRejected(started().propose(forged)), ['WRONG_LEADER']);
  });

  test('for a round the node has left: STALE_ROUND', () => {
    const node = started();
    node.receive(f.timeout(1, 3, f.genesis.qc, f.timeoutCert(2)));
    assert.equal(node.state.round, 3);
    assert.deepEqual(onlyRejected(node.propose(b1)), ['STALE_ROUND']);
  });

  test('for a round the node cannot enter from what the block carries: UNSAFE_PROPOSAL', () => {
    const ahead = f.block({ round: 3, parent: f.genesis });
    assert.deepEqual(onlyRejected(started().propose(ahead)), ['UNSAFE_PROPOSAL']);
  });

  test('the same proposal twice: DUPLICATE, executed once', () => {
    const node = started();
    assert.equal(effectsOf(node.propose(b1), 'execute').length, 1);
    assert.deepEqual(onlyRejected(node.propose(b1)), ['DUPLICATE']);
  });

  test('two blocks from the leader in one round: EQUIVOCATION with both as evidence', () => {
    const node = started();
    node.propose(b1);
    const b1x = f.block({ round: 1, parent: f.genesis, txCount: 7 });
    const fx = node.propose(b1x);
    assert.deepEqual(onlyRejected(fx), ['EQUIVOCATION']);
    assert.deepEqual(effectsOf(fx, 'evidence'), [
      { type: 'evidence', first: { kind: 'proposal', block: b1 }, second: { kind: 'proposal', block: b1x } },
    ]);
  });

  test('a block that does not extend what its QC certifies: INVALID_BLOCK', () => {
    const { blocks, qcs } = f.chain([1]);
    const b = blocks[0]!;
    const shapes = {
      'height is not QC height + 1': f.block({ round: 2, parent: b, height: 3 }),
      'parent is not the QC block': f.block({ round: 2, parent: b, parentHash: f.genesis.hash }),
      'round is not after the QC round': f.block({ round: 1, parent: b, qc: qcs[0] }),
    };
    for (const [why, bad] of Object.entries(shapes)) {
      const node = started();
      node.accept(b);
      assert.deepEqual(onlyRejected(node.propose(bad)), ['INVALID_BLOCK'], why);
    }
  });
});

describe('forged certificates', () => {
  const b1 = f.block({ round: 1, parent: f.genesis });
  const qc = f.certify(b1, [1, 2, 3]);
  const otherDigest = voteDigest(CHANNEL, 1, 2, b1.hash);

  // Each forgery with the rule that must catch it (the reject detail names the rule).
  const forgedQcs: Record<string, [QuorumCert, RegExp]> = {
    'too few votes': [{ ...qc, votes: qc.votes.slice(0, 2) }, /2 votes, a quorum is 3/],
    'a voter twice': [{ ...qc, votes: [qc.votes[0]!, qc.votes[0]!, qc.votes[1]!] }, /two votes by/],
    'a non-member': [f.certify(b1, [1, 2, OUTSIDER]), /not a validator at height 1/],
    'a bad signature': [
      {
        ...qc,
        votes: qc.votes.map((v, i) =>
          i === 0
            ? { ...v, signature: signRecoverable(otherDigest, signer(f.indexOf(v.voter)).privateKey) }
            : v,
        ),
      },
      /bad vote signature/,
    ],
  };

  for (const [why, [forged, rule]] of Object.entries(forgedQcs)) {
    test(`a QC with ${why} in a proposal: INVALID_QC, and the node stays put`, () => {
      const node = started();
      node.accept(b1);
      const b2 = f.block({ round: 2, parent: b1, qc: forged });
      const fx = node.propose(b2);
      assert.deepEqual(onlyRejected(fx), ['INVALID_QC']);
      assert.match(effectsOf(fx, 'reject')[0]!.detail, rule);
      assert.equal(node.state.round, 1);
      assert.equal(node.state.highQc.round, 0);
    });
  }

  test('a QC with a bad signature in a timeout: INVALID_QC', () => {
    const node = started();
    const fx = node.receive(f.timeout(1, 2, forgedQcs['a bad signature']![0]));
    assert.deepEqual(onlyRejected(fx), ['INVALID_QC']);
    assert.equal(node.state.round, 1);
  });

  test('control: the genuine QC is accepted', () => {
    const node = started();
    node.accept(b1);
    const fx = node.propose(f.block({ round: 2, parent: b1, qc }));
    assert.deepEqual(rejectReasons(fx), []);
    assert.equal(node.state.round, 2);
  });

  const tc2 = f.timeoutCert(2, 0, [
    { sender: 1, highQcRound: 0 },
    { sender: 2, highQcRound: 0 },
    { sender: 3, highQcRound: 0 },
  ]);
  const forgedTcs: Record<string, [TimeoutCert, RegExp]> = {
    'too few timeouts': [{ ...tc2, timeouts: tc2.timeouts.slice(0, 2) }, /2 timeouts, a quorum is 3/],
    'a sender twice': [
      { ...tc2, timeouts: [tc2.timeouts[0]!, tc2.timeouts[0]!, tc2.timeouts[1]!] },
      /two timeouts by/,
    ],
    'a non-member': [
      f.timeoutCert(2, 0, [
        { sender: 1, highQcRound: 0 },
        { sender: 2, highQcRound: 0 },
        { sender: OUTSIDER, highQcRound: 0 },
      ]),
      /not a validator/,
    ],
    'a bad signature': [
      {
        ...tc2,
        // The entry claims a higher QC round than its signature covers.
        timeouts: tc2.timeouts.map((t, i) => (i === 0 ? { ...t, highQcRound: 1 } : t)),
      },
      /bad timeout signature/,
    ],
    'a QC round not below the TC round': [f.timeoutCert(2, 2), /not below the TC round/],
    'the wrong round': [f.timeoutCert(1), /previous round/],
  };

  for (const [why, [forged, rule]] of Object.entries(forgedTcs)) {
    test(`a TC with ${why} in a proposal: INVALID_TC, and the node stays put`, () => {
      const node = started();
      const b3 = f.block({ round: 3, parent: f.genesis, tc: forged });
      const fx = node.propose(b3);
      assert.deepEqual(onlyRejected(fx), ['INVALID_TC']);
      assert.match(effectsOf(fx, 'reject')[0]!.detail, rule);
      assert.equal(node.state.round, 1);
      assert.equal(node.state.lastTc, undefined);
    });
  }

  test('a forged TC as a timeout’s lastRoundTc: INVALID_TC', () => {
    const node = started();
    const fx = node.receive(f.timeout(1, 3, f.genesis.qc, forgedTcs['a bad signature']![0]));
    assert.deepEqual(onlyRejected(fx), ['INVALID_TC']);
    assert.equal(node.state.round, 1);
  });

  test('control: the genuine TC is accepted', () => {
    const node = started();
    const fx = node.propose(f.block({ round: 3, parent: f.genesis, tc: tc2 }));
    assert.deepEqual(rejectReasons(fx), []);
    assert.equal(node.state.round, 3);
  });
});

describe('votes', () => {
  const b1 = f.block({ round: 1, parent: f.genesis });

  test('from a non-validator: NOT_A_VALIDATOR', () => {
    assert.deepEqual(onlyRejected(started().receive(f.vote(OUTSIDER, b1))), ['NOT_A_VALIDATOR']);
  });

  test('with a signature by another key: BAD_SIGNATURE', () => {
    assert.deepEqual(onlyRejected(started().receive(f.vote(1, b1, 2))), ['BAD_SIGNATURE']);
  });

  test('claiming to be the node’s own vote, from a peer, with a signature that is not the node’s: BAD_SIGNATURE', () => {
    const node = started();
    const forged = f.vote(0, b1, 1); // voter = this node, signed by validator 1
    assert.deepEqual(onlyRejected(node.receive(forged, f.id(1))), ['BAD_SIGNATURE']);
    assert.equal(node.state.votes.get(1)?.size ?? 0, 0);
    // Otherwise the forgery would stand in for the node's vote and make its real one look like equivocation.
    const fx = node.accept(b1);
    assert.deepEqual(rejectReasons(fx), []);
    assert.deepEqual(effectsOf(fx, 'evidence'), []);
  });

  test('for a round before the previous one: STALE_ROUND', () => {
    const node = started();
    node.receive(f.timeout(1, 3, f.genesis.qc, f.timeoutCert(2)));
    assert.deepEqual(onlyRejected(node.receive(f.vote(1, b1))), ['STALE_ROUND']);
    const b2 = f.block({ round: 2, parent: f.genesis, tc: f.timeoutCert(1) });
    assert.deepEqual(node.receive(f.vote(1, b2)), [], 'round − 1 is still collected');
  });

  test('beyond the future-round window: FUTURE_ROUND; inside it the vote is kept', () => {
    const node = started();
    const far = { height: 1, round: 12, hash: b1.hash };
    assert.deepEqual(onlyRejected(node.receive(f.vote(1, far))), ['FUTURE_ROUND']);
    const near = { height: 1, round: 11, hash: b1.hash };
    assert.deepEqual(node.receive(f.vote(1, near)), []);
    assert.equal(node.state.votes.get(11)?.size, 1);
    assert.equal(node.state.votes.has(12), false);
  });

  test('the same vote twice: DUPLICATE', () => {
    const node = started();
    node.receive(f.vote(1, b1));
    assert.deepEqual(onlyRejected(node.receive(f.vote(1, b1))), ['DUPLICATE']);
  });

  test('two votes of one validator in a round: EQUIVOCATION with both as evidence', () => {
    const node = started();
    const first = f.vote(1, b1);
    const second = f.vote(1, f.block({ round: 1, parent: f.genesis, txCount: 9 }));
    node.receive(first);
    const fx = node.receive(second);
    assert.deepEqual(onlyRejected(fx), ['EQUIVOCATION']);
    assert.deepEqual(effectsOf(fx, 'evidence'), [{ type: 'evidence', first, second }]);
  });
});

describe('timeouts', () => {
  test('from a non-validator: NOT_A_VALIDATOR', () => {
    assert.deepEqual(onlyRejected(started().receive(f.timeout(OUTSIDER, 1, f.genesis.qc))), [
      'NOT_A_VALIDATOR',
    ]);
  });

  test('with a signature by another key: BAD_SIGNATURE', () => {
    assert.deepEqual(onlyRejected(started().receive(f.timeout(1, 1, f.genesis.qc, undefined, 2))), [
      'BAD_SIGNATURE',
    ]);
  });

  test('claiming to be the node’s own timeout, from a peer, signed by another key: BAD_SIGNATURE', () => {
    const node = started();
    const forged = f.timeout(0, 1, f.genesis.qc, undefined, 1);
    assert.deepEqual(onlyRejected(node.receive(forged, f.id(1))), ['BAD_SIGNATURE']);
    assert.equal(node.state.timeouts.get(1)?.size ?? 0, 0);
  });

  test('beyond the future-round window: FUTURE_ROUND', () => {
    const node = started();
    assert.deepEqual(onlyRejected(node.receive(f.timeout(1, 12, f.genesis.qc))), ['FUTURE_ROUND']);
    assert.equal(node.state.round, 1);
  });

  test('carrying a QC that is not of an earlier round: INVALID_QC', () => {
    const { qcs } = f.chain([1]);
    assert.deepEqual(onlyRejected(started().receive(f.timeout(1, 1, qcs[0]!))), ['INVALID_QC']);
  });

  test('the same timeout twice: DUPLICATE', () => {
    const node = started();
    node.receive(f.timeout(1, 1, f.genesis.qc));
    assert.deepEqual(onlyRejected(node.receive(f.timeout(1, 1, f.genesis.qc))), ['DUPLICATE']);
  });

  test('a refused timeout does not count towards a TC', () => {
    const node = started();
    node.receive(f.timeout(1, 1, f.genesis.qc, undefined, 3)); // bad signature
    node.receive(f.timeout(OUTSIDER, 1, f.genesis.qc));
    const fx = node.receive(f.timeout(2, 1, f.genesis.qc));
    assert.deepEqual(broadcastsOf(fx, 'timeout'), [], 'one valid timeout: not f + 1');
    assert.equal(node.state.round, 1);
  });
});
