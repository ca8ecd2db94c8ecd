/**
 * LFT consensus as a pure reducer (DESIGN §4, STYLE 2): `step(state, event) -> { state, effects }`.
 * loopchain's propose/vote with piggybacked votes and rotating leaders, made safe by the 2-chain rules of
 * Jolteon / DiemBFT v4: vote only in the current round and never twice, extend the highest QC, accept a
 * round gap only with a TC whose high QCs the block extends, commit B when its child B' in round
 * B.round + 1 is certified. No I/O, clock or randomness: the runtime carries out the effects in order
 * (a `persist` completes before any later effect leaves the node).
 */
import { equalBytes } from '../codec/hex.js';
import { isGenesisQc, qcProblem, tcHighQcRound, tcProblem } from './certificates.js';
import { timeoutDigest, voteDigest } from './digests.js';
import { blockStatus, hexOf, knownBlock, type ConsensusState } from './state.js';
import type {
  BlockSummary,
  ConsensusEffect,
  ConsensusEvent,
  ProposalMessage,
  QuorumCert,
  RejectReason,
  TimeoutCert,
  TimeoutMessage,
  ValidatorId,
  VoteMessage,
} from './types.js';
import { leaderOf as scheduleLeader, maxFaulty, quorumSize, validatorsAt } from './validators.js';
import { commitIfChained, halt, pruneRounds } from './commit.js';

export { initialState, type ConsensusState } from './state.js';

type Effects = ConsensusEffect[];

export function step(
  state: ConsensusState,
  event: ConsensusEvent,
): { state: ConsensusState; effects: Effects } {
  const fx: Effects = [];
  if (state.halted !== undefined) return { state, effects: fx };
  handle(state, event, fx);
  // Nothing may follow a halt: the node stops acting the moment an invariant breaks.
  const stop = fx.findIndex((e) => e.type === 'halt');
  return { state, effects: stop < 0 ? fx : fx.slice(0, stop + 1) };
}

function handle(state: ConsensusState, event: ConsensusEvent, fx: Effects): void {
  switch (event.type) {
    case 'start':
      startRound(state, fx);
      requestSyncIfBehind(state, state.highQc, state.config.self, fx);
      break;
    case 'message':
      onMessage(state, event.from, event.message, fx);
      break;
    case 'timer':
      onTimer(state, event.round, fx);
      break;
    case 'executed':
      onExecuted(state, event.blockHash, event.valid, event.reason, fx);
      break;
    case 'proposalBuilt':
      onProposalBuilt(state, event.block, fx);
      break;
    case 'pendingTransactions':
      state.pendingTransactions = event.pending;
      maybePropose(state, fx);
      break;
    case 'synced':
      onSynced(state, event.blocks, fx);
      break;
    case 'validatorSetChange':
      if (!state.schedule.some((s) => s.fromHeight === event.schedule.fromHeight)) {
        state.schedule = [...state.schedule, event.schedule].sort((a, b) => a.fromHeight - b.fromHeight);
      }
      break;
  }
}

export function leaderOf(state: ConsensusState, round: number, height: number): ValidatorId {
  return scheduleLeader(state.config, state.schedule, round, height);
}

function validators(state: ConsensusState, height: number): readonly ValidatorId[] {
  return validatorsAt(state.schedule, height);
}

function reject(fx: Effects, from: ValidatorId, reason: RejectReason, detail: string): void {
  fx.push({ type: 'reject', from, reason, detail });
}

function persist(state: ConsensusState, fx: Effects): void {
  const record = {
    lastVotedRound: state.lastVotedRound,
    lastProposedRound: state.proposedRound,
    highQc: state.highQc,
  };
  fx.push({ type: 'persist', record });
}

function timerDelay(state: ConsensusState): number {
  const { baseTimeoutMs, maxTimeoutMs } = state.config;
  return Math.min(maxTimeoutMs, baseTimeoutMs * 2 ** Math.min(state.failedRounds, 30));
}

function startRound(state: ConsensusState, fx: Effects): void {
  fx.push({ type: 'scheduleTimer', round: state.round, delayMs: timerDelay(state) });
  maybePropose(state, fx);
}

/** Round advance: on QC(r) or TC(r) enter r + 1 (never backwards). */
function advanceRound(state: ConsensusState, round: number, byQc: boolean, fx: Effects): void {
  if (round <= state.round) return;
  state.round = round;
  state.failedRounds = byQc ? 0 : state.failedRounds + 1;
  pruneRounds(state);
  startRound(state, fx);
}

function onMessage(
  state: ConsensusState,
  from: ValidatorId,
  m: ProposalMessage | VoteMessage | TimeoutMessage,
  fx: Effects,
): void {
  if (m.kind === 'proposal') onProposal(state, from, m.block, fx);
  else if (m.kind === 'vote') onVote(state, from, m, fx);
  else onTimeout(state, from, m, fx);
}

/** Verifies a QC (cached) against the validator set of its height. */
function checkQc(state: ConsensusState, qc: QuorumCert): string | undefined {
  if (isGenesisQc(qc, state.genesis.hash)) return undefined;
  if (state.verifiedQcs.has(qc)) return undefined;
  const problem = qcProblem(qc, state.config.channel, validators(state, qc.height), state.crypto);
  if (problem === undefined) state.verifiedQcs.add(qc);
  return problem;
}

/** A verified QC: raise the high QC, commit by the 2-chain rule, enter the next round, fetch what is missing. */
function processQc(state: ConsensusState, qc: QuorumCert, from: ValidatorId, fx: Effects): void {
  if (qc.round > state.highQc.round) state.highQc = qc;
  commitIfChained(state, qc, fx);
  requestSyncIfBehind(state, qc, from, fx);
  advanceRound(state, qc.round + 1, true, fx);
}

function processTc(state: ConsensusState, tc: TimeoutCert, fx: Effects): void {
  if (state.lastTc === undefined || tc.round > state.lastTc.round) state.lastTc = tc;
  advanceRound(state, tc.round + 1, false, fx);
}

function requestSyncIfBehind(state: ConsensusState, qc: QuorumCert, from: ValidatorId, fx: Effects): void {
  if (qc.height <= state.committed.height || knownBlock(state, qc.blockHash) !== undefined) return;
  if (state.syncTarget !== undefined && state.syncTarget.height >= qc.height) return;
  state.syncTarget = qc;
  fx.push({ type: 'requestSync', target: qc, from });
}

function onProposal(state: ConsensusState, from: ValidatorId, b: BlockSummary, fx: Effects): void {
  if (!validators(state, b.height).includes(b.proposer)) {
    return reject(
      fx,
      from,
      'NOT_A_VALIDATOR',
      `proposer ${b.proposer} is not a validator at height ${b.height}`,
    );
  }
  if (leaderOf(state, b.round, b.height) !== b.proposer) {
    return reject(fx, from, 'WRONG_LEADER', `${b.proposer} is not the leader of round ${b.round}`);
  }
  if (!state.crypto.verify(b.hash, b.signature, b.proposer)) {
    return reject(fx, from, 'BAD_SIGNATURE', `proposal for round ${b.round} is not signed by ${b.proposer}`);
  }
  if (b.height !== b.qc.height + 1 || !equalBytes(b.parentHash, b.qc.blockHash) || b.round <= b.qc.round) {
    return reject(
      fx,
      from,
      'INVALID_BLOCK',
      'a block must extend the block its QC certifies, in a later round',
    );
  }
  const qcIssue = checkQc(state, b.qc);
  if (qcIssue !== undefined) return reject(fx, from, 'INVALID_QC', qcIssue);
  if (b.tc !== undefined) {
    const tcIssue =
      b.tc.round !== b.round - 1
        ? 'the TC of a proposal must be for the previous round'
        : tcProblem(b.tc, state.config.channel, validators(state, b.height), state.crypto);
    if (tcIssue !== undefined) return reject(fx, from, 'INVALID_TC', tcIssue);
  }
  // The piggybacked certificates advance this node even when the block itself comes too late.
  processQc(state, b.qc, from, fx);
  if (b.tc !== undefined) processTc(state, b.tc, fx);
  if (b.qc.round !== b.round - 1 && (b.tc === undefined || b.qc.round < tcHighQcRound(b.tc))) {
    return reject(
      fx,
      from,
      'UNSAFE_PROPOSAL',
      `round ${b.round} is justified neither by QC(r-1) nor by TC(r-1)`,
    );
  }
  const first = state.proposals.get(b.round);
  if (first !== undefined) {
    if (equalBytes(first.hash, b.hash))
      return reject(fx, from, 'DUPLICATE', `proposal for round ${b.round} seen before`);
    fx.push({
      type: 'evidence',
      first: { kind: 'proposal', block: first },
      second: { kind: 'proposal', block: b },
    });
    return reject(fx, from, 'EQUIVOCATION', `${b.proposer} proposed two blocks in round ${b.round}`);
  }
  if (b.round < state.round)
    return reject(fx, from, 'STALE_ROUND', `proposal for round ${b.round}, now in ${state.round}`);
  if (b.round > state.round)
    return reject(fx, from, 'FUTURE_ROUND', `proposal for round ${b.round}, now in ${state.round}`);
  state.proposals.set(b.round, b);
  if (b.height <= state.committed.height)
    return reject(fx, from, 'STALE_ROUND', `height ${b.height} is already final`);
  if (knownBlock(state, b.parentHash) === undefined) {
    state.orphan = b;
    return reject(fx, from, 'UNKNOWN_PARENT', `parent of height ${b.height} is not known yet`);
  }
  state.blocks.set(hexOf(b.hash), { block: b, status: 'executing' });
  fx.push({ type: 'execute', block: b });
}

/** After a sync: the proposal that was waiting for its parent is executed if its round is still on. */
function adoptOrphan(state: ConsensusState, fx: Effects): void {
  const b = state.orphan;
  state.orphan = undefined;
  if (b === undefined || b.round !== state.round || b.height <= state.committed.height) return;
  if (knownBlock(state, b.parentHash) === undefined || state.blocks.has(hexOf(b.hash))) return;
  state.blocks.set(hexOf(b.hash), { block: b, status: 'executing' });
  fx.push({ type: 'execute', block: b });
}

function onExecuted(
  state: ConsensusState,
  hash: Uint8Array,
  valid: boolean,
  reason: string | undefined,
  fx: Effects,
): void {
  const key = hexOf(hash);
  if (state.finalBeforeExecuted.delete(key)) {
    // A quorum certified the block and this node committed it; its own execution disagreeing means this
    // node diverged (non-determinism or corruption): stop rather than carry on with a different state.
    if (!valid) halt(state, fx, `committed block ${key} fails execution here: ${reason ?? 'roots differ'}`);
    return;
  }
  const entry = state.blocks.get(key);
  if (entry === undefined || entry.status !== 'executing') return;
  entry.status = valid ? 'valid' : 'invalid';
  if (!valid && state.highQc.height === entry.block.height && equalBytes(state.highQc.blockHash, hash)) {
    return halt(state, fx, `certified block ${key} fails execution here: ${reason ?? 'roots differ'}`);
  }
  if (!valid) {
    state.blocks.delete(hexOf(hash));
    return reject(fx, entry.block.proposer, 'INVALID_BLOCK', reason ?? 'execution does not match the header');
  }
  tryVote(state, entry.block, fx);
  maybePropose(state, fx);
}

/** The voting rule (DESIGN §4). Persists the last voted round before the vote is sent. */
function tryVote(state: ConsensusState, b: BlockSummary, fx: Effects): void {
  const self = state.config.self;
  if (state.syncTarget !== undefined || !validators(state, b.height).includes(self)) return;
  if (b.round !== state.round || b.round <= state.lastVotedRound) return;
  if (blockStatus(state, b.hash) !== 'valid') return;
  const extendsTc = b.tc !== undefined && b.tc.round === b.round - 1 && b.qc.round >= tcHighQcRound(b.tc);
  if (b.qc.round !== b.round - 1 && !extendsTc) return;
  state.lastVotedRound = b.round;
  persist(state, fx);
  const signature = state.crypto.sign(voteDigest(state.config.channel, b.height, b.round, b.hash));
  const vote: VoteMessage = {
    kind: 'vote',
    height: b.height,
    round: b.round,
    blockHash: b.hash,
    voter: self,
    signature,
  };
  fx.push({ type: 'broadcast', message: vote });
  onVote(state, self, vote, fx);
}

function windowProblem(state: ConsensusState, round: number): RejectReason | undefined {
  if (round < state.round - 1) return 'STALE_ROUND';
  if (round > state.round + state.config.futureRoundWindow) return 'FUTURE_ROUND';
  return undefined;
}

function onVote(state: ConsensusState, from: ValidatorId, v: VoteMessage, fx: Effects): void {
  const set = validators(state, v.height);
  if (!set.includes(v.voter))
    return reject(fx, from, 'NOT_A_VALIDATOR', `${v.voter} is not a validator at height ${v.height}`);
  const outside = windowProblem(state, v.round);
  if (outside !== undefined)
    return reject(fx, from, outside, `vote for round ${v.round}, now in ${state.round}`);
  // Only the node's own vote, handed over locally, skips the check: a peer's message naming this node as
  // voter is a forgery until its signature says otherwise.
  const local = from === state.config.self && v.voter === state.config.self;
  if (
    !local &&
    !state.crypto.verify(
      voteDigest(state.config.channel, v.height, v.round, v.blockHash),
      v.signature,
      v.voter,
    )
  ) {
    return reject(fx, from, 'BAD_SIGNATURE', `vote signature of ${v.voter} does not verify`);
  }
  let byVoter = state.votes.get(v.round);
  if (byVoter === undefined) state.votes.set(v.round, (byVoter = new Map()));
  const earlier = byVoter.get(v.voter);
  if (earlier !== undefined) {
    if (equalBytes(earlier.blockHash, v.blockHash) && earlier.height === v.height)
      return reject(fx, from, 'DUPLICATE', 'vote seen before');
    fx.push({ type: 'evidence', first: earlier, second: v });
    return reject(fx, from, 'EQUIVOCATION', `${v.voter} voted for two blocks in round ${v.round}`);
  }
  byVoter.set(v.voter, v);
  const same = [...byVoter.values()].filter(
    (o) => o.height === v.height && equalBytes(o.blockHash, v.blockHash),
  );
  if (same.length !== quorumSize(set.length)) return;
  const qc: QuorumCert = {
    height: v.height,
    round: v.round,
    blockHash: v.blockHash,
    votes: same
      .map((o) => ({ voter: o.voter, signature: o.signature }))
      .sort((a, b) => (a.voter < b.voter ? -1 : 1)),
  };
  state.verifiedQcs.add(qc);
  processQc(state, qc, from, fx);
}

/** The round timer: without progress, time out (unless there is nothing to do) and back off. */
function onTimer(state: ConsensusState, round: number, fx: Effects): void {
  if (round !== state.round) return;
  // Repeated each time the timer fires in the round, so lost timeouts are sent again.
  if (state.syncTarget === undefined && hasWork(state)) sendTimeout(state, fx);
  fx.push({ type: 'scheduleTimer', round, delayMs: timerDelay(state) });
}

function sendTimeout(state: ConsensusState, fx: Effects): void {
  const self = state.config.self;
  if (!validators(state, state.highQc.height + 1).includes(self)) return;
  const round = state.round;
  state.lastVotedRound = Math.max(state.lastVotedRound, round);
  state.timedOutRound = round;
  persist(state, fx);
  const signature = state.crypto.sign(timeoutDigest(state.config.channel, round, state.highQc.round));
  const lastRoundTc = state.lastTc?.round === round - 1 ? state.lastTc : undefined;
  const t: TimeoutMessage = {
    kind: 'timeout',
    round,
    highQc: state.highQc,
    lastRoundTc,
    sender: self,
    signature,
  };
  fx.push({ type: 'broadcast', message: t });
  const mine = state.timeouts.get(round)?.get(self);
  if (mine === undefined || mine.highQc.round < t.highQc.round) onTimeout(state, self, t, fx);
}

function onTimeout(state: ConsensusState, from: ValidatorId, t: TimeoutMessage, fx: Effects): void {
  const set = validators(state, state.highQc.height + 1);
  if (!set.includes(t.sender)) return reject(fx, from, 'NOT_A_VALIDATOR', `${t.sender} is not a validator`);
  if (t.highQc.round >= t.round)
    return reject(fx, from, 'INVALID_QC', 'a timeout must carry a QC of an earlier round');
  const local = from === state.config.self && t.sender === state.config.self;
  if (
    !local &&
    !state.crypto.verify(timeoutDigest(state.config.channel, t.round, t.highQc.round), t.signature, t.sender)
  ) {
    return reject(fx, from, 'BAD_SIGNATURE', `timeout signature of ${t.sender} does not verify`);
  }
  const qcIssue = checkQc(state, t.highQc);
  if (qcIssue !== undefined) return reject(fx, from, 'INVALID_QC', qcIssue);
  const tc = t.lastRoundTc;
  if (tc !== undefined) {
    const tcIssue =
      tc.round !== t.round - 1
        ? 'the TC in a timeout must be for the round before it'
        : tcProblem(tc, state.config.channel, set, state.crypto);
    if (tcIssue !== undefined) return reject(fx, from, 'INVALID_TC', tcIssue);
  }
  // Certificates first: they bring a node that fell behind up to the sender's round.
  processQc(state, t.highQc, from, fx);
  if (tc !== undefined) processTc(state, tc, fx);
  const outside = windowProblem(state, t.round);
  if (outside !== undefined)
    return reject(fx, from, outside, `timeout for round ${t.round}, now in ${state.round}`);
  let bySender = state.timeouts.get(t.round);
  if (bySender === undefined) state.timeouts.set(t.round, (bySender = new Map()));
  const earlier = bySender.get(t.sender);
  // A node repeats its timeout each time its timer fires; only a higher QC replaces the earlier one.
  if (earlier !== undefined && earlier.highQc.round >= t.highQc.round) {
    return reject(fx, from, 'DUPLICATE', 'timeout seen before');
  }
  bySender.set(t.sender, t);
  if (t.round !== state.round) return;
  const count = bySender.size;
  // f + 1 timeouts mean at least one honest node gave up on the round: join it so a TC forms.
  if (count >= maxFaulty(set.length) + 1 && state.timedOutRound < t.round) sendTimeout(state, fx);
  if (count !== quorumSize(set.length)) return;
  processTc(
    state,
    {
      round: t.round,
      timeouts: [...bySender.values()]
        .map((o) => ({ sender: o.sender, highQcRound: o.highQc.round, signature: o.signature }))
        .sort((a, b) => (a.sender < b.sender ? -1 : 1)),
    },
    fx,
  );
}

/** There is something to decide: transactions wait, or a non-empty block waits for the QC that commits it. */
function hasWork(state: ConsensusState): boolean {
  if (state.pendingTransactions) return true;
  for (const { block } of state.blocks.values()) if (block.txCount > 0) return true;
  return false;
}

/** The leader of the round asks the runtime for a block extending its highest QC, once per round. */
function maybePropose(state: ConsensusState, fx: Effects): void {
  const { round, highQc } = state;
  if (state.syncTarget !== undefined || state.proposedRound >= round) return;
  if (leaderOf(state, round, highQc.height + 1) !== state.config.self) return;
  if (blockStatus(state, highQc.blockHash) !== 'valid' || !hasWork(state)) return;
  const tc = state.lastTc?.round === round - 1 ? state.lastTc : undefined;
  if (highQc.round !== round - 1 && tc === undefined) return;
  state.proposedRound = round;
  // Persisted before the runtime signs: a restarted leader must not sign a second block for the round.
  persist(state, fx);
  fx.push({
    type: 'buildProposal',
    round,
    height: highQc.height + 1,
    parentHash: highQc.blockHash,
    qc: highQc,
    tc,
  });
}

function onProposalBuilt(state: ConsensusState, b: BlockSummary, fx: Effects): void {
  if (b.round !== state.round || b.proposer !== state.config.self || state.proposals.has(b.round)) return;
  state.proposals.set(b.round, b);
  state.blocks.set(hexOf(b.hash), { block: b, status: 'valid' });
  fx.push({ type: 'broadcast', message: { kind: 'proposal', block: b } });
  tryVote(state, b, fx);
}

/** Blocks fetched by sync, each with the QC certifying it; the runtime executed them on the way. */
function onSynced(
  state: ConsensusState,
  blocks: readonly { block: BlockSummary; qc: QuorumCert }[],
  fx: Effects,
): void {
  const from = state.config.self;
  for (const { block, qc } of blocks) {
    if (block.height <= state.committed.height) continue;
    if (!equalBytes(qc.blockHash, block.hash) || qc.height !== block.height || qc.round !== block.round)
      break;
    if (checkQc(state, qc) !== undefined || checkQc(state, block.qc) !== undefined) break;
    if (
      knownBlock(state, block.parentHash) === undefined ||
      !equalBytes(block.parentHash, block.qc.blockHash)
    )
      break;
    if (!state.blocks.has(hexOf(block.hash))) state.blocks.set(hexOf(block.hash), { block, status: 'valid' });
    processQc(state, block.qc, from, fx);
    processQc(state, qc, from, fx);
  }
  const target = state.syncTarget;
  if (
    target === undefined ||
    knownBlock(state, target.blockHash) !== undefined ||
    target.height <= state.committed.height
  ) {
    state.syncTarget = undefined;
    adoptOrphan(state, fx);
    maybePropose(state, fx);
  } else {
    // The fetch fell short (a bad or partial answer): ask again.
    fx.push({ type: 'requestSync', target, from: target.votes[0]?.voter ?? from });
  }
}
