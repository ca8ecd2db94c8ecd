/**
 * Round timers, timeouts and TCs (DESIGN §4, docs/consensus.md rules 5–8): a stuck round with work ends in
 * Timeout(r, highQC); an idle node only re-arms; the timer backs off per failed round up to a cap and
 * resets after a QC; f + 1 timeouts make a node join; q make TC(r) and round r + 1, whose leader proposes
 * with the TC; a TC travelling as `lastRoundTc` pulls a lagging node into the round.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tcProblem } from '../../src/consensus/certificates.js';
import { timeoutDigest } from '../../src/consensus/digests.js';
import {
  CHANNEL,
  ConsensusFixture,
  TestNode,
  broadcastsOf,
  effectTypes,
  effectsOf,
  rejectReasons,
  verifyAs,
} from '../helpers/consensus-fixture.js';

const checker = { sign: () => new Uint8Array(), verify: verifyAs };

function started(f: ConsensusFixture, self = 0): TestNode {
  const node = f.node(self);
  node.step({ type: 'start' });
  return node;
}

describe('the round timer', () => {
  const f = new ConsensusFixture();

  test('an idle node re-arms its timer without timing out', () => {
    const node = started(f);
    assert.deepEqual(node.step({ type: 'timer', round: 1 }), [
      { type: 'scheduleTimer', round: 1, delayMs: 1000 },
    ]);
    assert.equal(node.state.lastVotedRound, 0);
  });

  test('with pending transactions it persists, then broadcasts Timeout(r, highQC), then re-arms', () => {
    const node = started(f);
    node.step({ type: 'pendingTransactions', pending: true });
    const fx = node.step({ type: 'timer', round: 1 });
    assert.deepEqual(effectTypes(fx), ['persist', 'broadcast:timeout', 'scheduleTimer']);
    assert.deepEqual(TestNode.lastRecord(fx), {
      lastVotedRound: 1,
      lastProposedRound: 0,
      highQc: f.genesis.qc,
    });
    const [t] = broadcastsOf(fx, 'timeout');
    assert.deepEqual(
      { round: t!.round, highQc: t!.highQc, lastRoundTc: t!.lastRoundTc, sender: t!.sender },
      { round: 1, highQc: f.genesis.qc, lastRoundTc: undefined, sender: node.id },
    );
    assert.ok(verifyAs(timeoutDigest(CHANNEL, 1, 0), t!.signature, node.id));
    assert.deepEqual(effectsOf(fx, 'scheduleTimer'), [{ type: 'scheduleTimer', round: 1, delayMs: 1000 }]);
  });

  test('the timeout carries the highest QC the node holds', () => {
    const node = started(f);
    const { blocks, qcs } = f.chain([1]);
    node.accept(blocks[0]!);
    node.learnQc(qcs[0]!, 1); // round 2
    const fx = node.step({ type: 'timer', round: 2 }); // b1 (one transaction) is uncommitted: work
    assert.deepEqual(broadcastsOf(fx, 'timeout')[0]?.highQc, qcs[0]);
  });

  test('a non-empty uncommitted block is work; an empty one is not', () => {
    for (const [txCount, timeouts] of [
      [2, 1],
      [0, 0],
    ] as const) {
      const node = started(f);
      node.accept(f.block({ round: 1, parent: f.genesis, txCount }));
      const fx = node.step({ type: 'timer', round: 1 });
      assert.equal(broadcastsOf(fx, 'timeout').length, timeouts, `txCount ${txCount}`);
    }
  });

  test('a timer of another round does nothing', () => {
    const node = started(f);
    node.step({ type: 'pendingTransactions', pending: true });
    assert.deepEqual(node.step({ type: 'timer', round: 2 }), []);
    assert.deepEqual(node.step({ type: 'timer', round: 0 }), []);
  });
});

describe('back-off', () => {
  test('the timer doubles per failed round up to the cap, and a QC resets it', () => {
    const f = new ConsensusFixture({ baseTimeoutMs: 100, maxTimeoutMs: 800 });
    const node = f.node(0);
    assert.deepEqual(effectsOf(node.step({ type: 'start' }), 'scheduleTimer')[0]?.delayMs, 100);
    const delays: number[] = [];
    for (let round = 1; round <= 5; round++) {
      node.receive(f.timeout(1, round, f.genesis.qc));
      const fx = node.receive(f.timeout(2, round, f.genesis.qc)); // f + 1: join, then TC(round)
      assert.equal(node.state.round, round + 1);
      delays.push(...effectsOf(fx, 'scheduleTimer').map((e) => e.delayMs));
    }
    assert.deepEqual(delays, [200, 400, 800, 800, 800]);
    assert.deepEqual(
      effectsOf(node.step({ type: 'timer', round: 6 }), 'scheduleTimer').map((e) => e.delayMs),
      [800],
      'the timer re-arms with the round’s delay',
    );

    // Round 6 succeeds: a block justified by TC(5) gets q votes.
    const b6 = f.block({ round: 6, parent: f.genesis, tc: node.state.lastTc });
    node.accept(b6);
    node.receive(f.vote(1, b6));
    const fx = node.receive(f.vote(2, b6));
    assert.equal(node.state.round, 7);
    assert.deepEqual(effectsOf(fx, 'scheduleTimer'), [{ type: 'scheduleTimer', round: 7, delayMs: 100 }]);
  });
});

describe('timeouts and TCs', () => {
  test('f + 1 timeouts make a node that has nothing to do join the round’s timeout (n = 7)', () => {
    const f = new ConsensusFixture({ n: 7 }); // f = 2, q = 5
    const node = started(f);
    for (const sender of [1, 2]) {
      assert.deepEqual(node.receive(f.timeout(sender, 1, f.genesis.qc)), [], `f = 2 timeouts: wait`);
    }
    const join = node.receive(f.timeout(3, 1, f.genesis.qc));
    assert.deepEqual(effectTypes(join), ['persist', 'broadcast:timeout']);
    assert.equal(broadcastsOf(join, 'timeout')[0]!.sender, node.id);
    assert.equal(node.state.round, 1, 'four of q = 5 timeouts: no TC yet');

    const fx = node.receive(f.timeout(4, 1, f.genesis.qc));
    assert.equal(node.state.round, 2);
    assert.deepEqual(broadcastsOf(fx, 'timeout'), [], 'it joined once');
    assert.equal(node.state.lastTc?.timeouts.length, 5);
  });

  test('q timeouts form a valid TC and move the node to the next round with a longer timer', () => {
    const f = new ConsensusFixture();
    const node = started(f);
    node.step({ type: 'pendingTransactions', pending: true });
    node.step({ type: 'timer', round: 1 }); // its own timeout
    assert.deepEqual(effectTypes(node.receive(f.timeout(1, 1, f.genesis.qc))), []);
    const fx = node.receive(f.timeout(2, 1, f.genesis.qc));
    assert.equal(node.state.round, 2);
    assert.deepEqual(effectsOf(fx, 'scheduleTimer'), [{ type: 'scheduleTimer', round: 2, delayMs: 2000 }]);
    const tc = node.state.lastTc!;
    assert.equal(tc.round, 1);
    assert.deepEqual(
      tc.timeouts.map((t) => t.sender),
      [f.id(0), f.id(1), f.id(2)].sort(),
    );
    assert.equal(tcProblem(tc, CHANNEL, f.ids, checker), undefined);
  });

  test('the leader of r + 1 proposes with TC(r), and votes for its block', () => {
    const f = new ConsensusFixture();
    const node = started(f, f.leader(2));
    node.step({ type: 'pendingTransactions', pending: true });
    node.receive(f.timeout(0, 1, f.genesis.qc));
    const fx = node.receive(f.timeout(3, 1, f.genesis.qc)); // joins, TC(1)
    const [build] = effectsOf(fx, 'buildProposal');
    assert.ok(build !== undefined, 'asked for a block');
    assert.deepEqual(
      { round: build.round, height: build.height, parentHash: build.parentHash, qc: build.qc },
      { round: 2, height: 1, parentHash: f.genesis.hash, qc: f.genesis.qc },
    );
    assert.equal(build.tc?.round, 1);
    assert.deepEqual(build.tc, node.state.lastTc);

    const b2 = f.block({ round: 2, parent: f.genesis, qc: build.qc, tc: build.tc, proposer: node.self });
    const built = node.step({ type: 'proposalBuilt', block: b2 });
    assert.deepEqual(broadcastsOf(built, 'proposal')[0]?.block.tc, build.tc);
    assert.deepEqual(broadcastsOf(built, 'vote')[0]?.blockHash, b2.hash);
  });

  test('a timeout sent after entering a round through a TC carries that TC', () => {
    const f = new ConsensusFixture();
    const node = started(f);
    node.step({ type: 'pendingTransactions', pending: true });
    node.receive(f.timeout(1, 1, f.genesis.qc));
    node.receive(f.timeout(2, 1, f.genesis.qc));
    assert.equal(node.state.round, 2);
    const [t] = broadcastsOf(node.step({ type: 'timer', round: 2 }), 'timeout');
    assert.equal(t?.round, 2);
    assert.deepEqual(t?.lastRoundTc, node.state.lastTc);
    assert.equal(t?.lastRoundTc?.round, 1);
  });

  test('lastRoundTc pulls a lagging node into the sender’s round', () => {
    const f = new ConsensusFixture();
    const tc2 = f.timeoutCert(2);
    const lagging = started(f);
    const fx = lagging.receive(f.timeout(1, 3, f.genesis.qc, tc2));
    assert.deepEqual(rejectReasons(fx), []);
    assert.equal(lagging.state.round, 3);
    assert.deepEqual(effectsOf(fx, 'scheduleTimer').at(-1), {
      type: 'scheduleTimer',
      round: 3,
      delayMs: 2000,
    });
    assert.equal(lagging.state.timeouts.get(3)?.size, 1, 'and the timeout counts in round 3');

    // Control: the same timeout without the TC leaves the node where it was.
    const control = started(f);
    control.receive(f.timeout(1, 3, f.genesis.qc));
    assert.equal(control.state.round, 1);
  });

  test('a repeated timer resends the timeout; the node’s own count does not grow', () => {
    const f = new ConsensusFixture();
    const node = started(f);
    node.step({ type: 'pendingTransactions', pending: true });
    const first = broadcastsOf(node.step({ type: 'timer', round: 1 }), 'timeout');
    const fx = node.step({ type: 'timer', round: 1 });
    assert.deepEqual(effectTypes(fx), ['persist', 'broadcast:timeout', 'scheduleTimer']);
    assert.equal(first.length, 1);
    assert.deepEqual(broadcastsOf(fx, 'timeout'), first);
    assert.equal(node.state.timeouts.get(1)?.size, 1);
  });
});
