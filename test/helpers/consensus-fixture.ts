/**
 * A small world for driving the LFT reducer by hand: validators with real secp256k1 keys (ids are their
 * `hx` addresses without the prefix), signed blocks hashed with `summaryHash`, votes, timeouts, QCs and
 * TCs built from those keys, and a `TestNode` that feeds events to `step` and keeps its state.
 *
 * Everything is deterministic: keys derive from their index, so ids and signatures repeat across runs.
 */
import { sha256 } from '../../src/codec/hash.js';
import { addressOfPoint } from '../../src/crypto/address.js';
import { publicKeyOf, recoverPublicKey, signRecoverable } from '../../src/crypto/secp256k1.js';
import { genesisSummary, summaryHash, timeoutDigest, voteDigest } from '../../src/consensus/digests.js';
import { initialState, step, type ConsensusState } from '../../src/consensus/lft.js';
import type {
  BlockSummary,
  ConsensusConfig,
  ConsensusCrypto,
  ConsensusEffect,
  ConsensusEvent,
  ConsensusMessage,
  ProposalMessage,
  QuorumCert,
  RejectReason,
  SafetyRecord,
  TimeoutCert,
  TimeoutMessage,
  ValidatorId,
  ValidatorSetSchedule,
  VoteMessage,
} from '../../src/consensus/types.js';
import { leaderOf, quorumSize, validatorsAt } from '../../src/consensus/validators.js';

export const CHANNEL = 'icon_dex';

/** A key holder. Indexes 0..n−1 are the initial validators; any other index is an outsider or a newcomer. */
export interface Signer {
  readonly index: number;
  readonly id: ValidatorId;
  readonly privateKey: Uint8Array;
}

const signers = new Map<number, Signer>();

export function signer(index: number): Signer {
  let s = signers.get(index);
  if (s === undefined) {
    const privateKey = sha256(`consensus-fixture-key-${index}`);
    s = { index, id: addressOfPoint(publicKeyOf(privateKey)).slice(2), privateKey };
    signers.set(index, s);
  }
  return s;
}

/** Checks a recoverable signature by recovering the key and comparing its address with the signer's id. */
export function verifyAs(digest: Uint8Array, signature: Uint8Array, id: ValidatorId): boolean {
  try {
    return addressOfPoint(recoverPublicKey(digest, signature)).slice(2) === id;
  } catch {
    return false;
  }
}

/** The crypto of a node holding `s`'s key: it signs only as `s` and checks anyone's signature. */
export function cryptoOf(s: Signer): ConsensusCrypto {
  return { sign: (digest) => signRecoverable(digest, s.privateKey), verify: verifyAs };
}

export type EffectOf<T extends ConsensusEffect['type']> = Extract<ConsensusEffect, { type: T }>;
export type MessageOf<K extends ConsensusMessage['kind']> = Extract<ConsensusMessage, { kind: K }>;

export function effectsOf<T extends ConsensusEffect['type']>(
  fx: readonly ConsensusEffect[],
  type: T,
): EffectOf<T>[] {
  return fx.filter((e): e is EffectOf<T> => e.type === type);
}

/** The messages of one kind the effects broadcast, in order. */
export function broadcastsOf<K extends ConsensusMessage['kind']>(
  fx: readonly ConsensusEffect[],
  kind: K,
): MessageOf<K>[] {
  return effectsOf(fx, 'broadcast')
    .map((e) => e.message)
    .filter((m): m is MessageOf<K> => m.kind === kind);
}

export function rejectReasons(fx: readonly ConsensusEffect[]): RejectReason[] {
  return effectsOf(fx, 'reject').map((e) => e.reason);
}

/**
 * Vote and timeout broadcasts that no earlier `persist` in the same effect list covers (a record whose
 * lastVotedRound is at least the message's round): each is a signature that could leave before it is on disk.
 */
export function unpersistedSignatures(fx: readonly ConsensusEffect[]): string[] {
  const out: string[] = [];
  let persisted = -1;
  for (const e of fx) {
    if (e.type === 'persist') persisted = Math.max(persisted, e.record.lastVotedRound);
    if (e.type !== 'broadcast' || e.message.kind === 'proposal') continue;
    if (e.message.round > persisted) out.push(`${e.message.kind} of round ${e.message.round}`);
  }
  return out;
}

/** The effect types in order (broadcasts with their message kind), for ordering assertions. */
export function effectTypes(fx: readonly ConsensusEffect[]): string[] {
  return fx.map((e) => (e.type === 'broadcast' ? `broadcast:${e.message.kind}` : e.type));
}

export interface FixtureOptions {
  /** Number of initial validators (indexes 0..n−1). */
  readonly n?: number;
  readonly leaderTerm?: number;
  readonly baseTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly futureRoundWindow?: number;
  /** Later validator sets by signer index; the fixture signs QCs with the set of each block's height. */
  readonly laterSets?: readonly { fromHeight: number; members: readonly number[] }[];
}

export interface BlockSpec {
  readonly round: number;
  readonly parent: BlockSummary;
  /** Defaults to a QC of the parent by the first q validators of its height. */
  readonly qc?: QuorumCert;
  readonly tc?: TimeoutCert;
  readonly txCount?: number;
  /** Index of the proposer; defaults to the leader of the round at the block's height. */
  readonly proposer?: number;
  /** Index of the key that signs; defaults to the proposer. */
  readonly signedBy?: number;
  readonly height?: number;
  readonly parentHash?: Uint8Array;
}

export class ConsensusFixture {
  readonly n: number;
  readonly genesis: BlockSummary;
  readonly config: ConsensusConfig;
  /** The schedule including `laterSets`, as known to the whole network. */
  readonly schedule: readonly ValidatorSetSchedule[];

  constructor(readonly options: FixtureOptions = {}) {
    this.n = options.n ?? 4;
    this.genesis = genesisSummary(CHANNEL);
    const initial = { fromHeight: 1, validators: [...Array(this.n).keys()].map((i) => signer(i).id) };
    this.schedule = [
      initial,
      ...(options.laterSets ?? []).map((s) => ({
        fromHeight: s.fromHeight,
        validators: s.members.map((i) => signer(i).id),
      })),
    ];
    this.config = {
      channel: CHANNEL,
      self: signer(0).id,
      validatorSets: [initial],
      leaderTerm: options.leaderTerm ?? 1,
      baseTimeoutMs: options.baseTimeoutMs ?? 1000,
      maxTimeoutMs: options.maxTimeoutMs ?? 8000,
      futureRoundWindow: options.futureRoundWindow ?? 10,
    };
  }

  id(index: number): ValidatorId {
    return signer(index).id;
  }

  /** The initial validators' ids, in set order. */
  get ids(): ValidatorId[] {
    return [...Array(this.n).keys()].map((i) => signer(i).id);
  }

  get quorum(): number {
    return quorumSize(this.n);
  }

  /** Signer index of the leader of `round` for a block at `height`. */
  leader(round: number, height = 1): number {
    const id = leaderOf(this.config, this.schedule, round, height);
    return this.indexOf(id);
  }

  indexOf(id: ValidatorId): number {
    for (const [i, s] of signers) if (s.id === id) return i;
    throw new Error(`unknown id ${id}`);
  }

  /** Indexes of the validators at `height`, in set order. */
  membersAt(height: number): number[] {
    return validatorsAt(this.schedule, height).map((id) => this.indexOf(id));
  }

  /** A signed block summary. */
  block(spec: BlockSpec): BlockSummary {
    const height = spec.height ?? spec.parent.height + 1;
    const proposer = spec.proposer ?? this.leader(spec.round, height);
    const fields = {
      height,
      round: spec.round,
      parentHash: spec.parentHash ?? spec.parent.hash,
      proposer: signer(proposer).id,
      qc: spec.qc ?? this.certify(spec.parent),
      tc: spec.tc,
      txCount: spec.txCount ?? 1,
    };
    const hash = summaryHash(CHANNEL, fields);
    return {
      ...fields,
      hash,
      signature: signRecoverable(hash, signer(spec.signedBy ?? proposer).privateKey),
    };
  }

  proposal(spec: BlockSpec): ProposalMessage {
    return { kind: 'proposal', block: this.block(spec) };
  }

  vote(voter: number, b: Pick<BlockSummary, 'height' | 'round' | 'hash'>, signedBy = voter): VoteMessage {
    return {
      kind: 'vote',
      height: b.height,
      round: b.round,
      blockHash: b.hash,
      voter: signer(voter).id,
      signature: signRecoverable(voteDigest(CHANNEL, b.height, b.round, b.hash), signer(signedBy).privateKey),
    };
  }

  /** A QC for `b` signed by `voters` (default: the first q members at its height); genesis has its own. */
  certify(b: BlockSummary, voters?: readonly number[]): QuorumCert {
    if (b.height === 0) return this.genesis.qc;
    const members = this.membersAt(b.height);
    const by = voters ?? members.slice(0, quorumSize(members.length));
    return {
      height: b.height,
      round: b.round,
      blockHash: b.hash,
      votes: by
        .map((i) => this.vote(i, b))
        .map((v) => ({ voter: v.voter, signature: v.signature }))
        .sort((x, y) => (x.voter < y.voter ? -1 : 1)),
    };
  }

  timeout(
    sender: number,
    round: number,
    highQc: QuorumCert,
    lastRoundTc?: TimeoutCert,
    signedBy = sender,
  ): TimeoutMessage {
    return {
      kind: 'timeout',
      round,
      highQc,
      lastRoundTc,
      sender: signer(sender).id,
      signature: signRecoverable(timeoutDigest(CHANNEL, round, highQc.round), signer(signedBy).privateKey),
    };
  }

  /**
   * TC(round) from `entries` (sender index and the high QC round it claims); by default the first q
   * validators, all claiming `highQcRound`.
   */
  timeoutCert(round: number, highQcRound = 0, entries?: readonly { sender: number; highQcRound: number }[]) {
    const list = entries ?? [...Array(this.quorum).keys()].map((sender) => ({ sender, highQcRound }));
    const tc: TimeoutCert = {
      round,
      timeouts: list.map((e) => ({
        sender: signer(e.sender).id,
        highQcRound: e.highQcRound,
        signature: signRecoverable(timeoutDigest(CHANNEL, round, e.highQcRound), signer(e.sender).privateKey),
      })),
    };
    return tc;
  }

  /**
   * A certified chain from genesis with the given rounds: each block extends the previous one with its QC;
   * after a gap it also carries TC(round − 1) whose timeouts claim the previous block's round.
   * `qcs[i]` certifies `blocks[i]`.
   */
  chain(rounds: readonly number[], txCount = 1): { blocks: BlockSummary[]; qcs: QuorumCert[] } {
    const blocks: BlockSummary[] = [];
    let parent = this.genesis;
    for (const round of rounds) {
      const tc = round === parent.round + 1 ? undefined : this.timeoutCert(round - 1, parent.round);
      const b = this.block({ round, parent, tc, txCount });
      blocks.push(b);
      parent = b;
    }
    return { blocks, qcs: blocks.map((b) => this.certify(b)) };
  }

  /** The governance event announcing `laterSets[i]`. */
  setChange(i = 0): ConsensusEvent {
    const s = this.schedule[i + 1];
    if (s === undefined) throw new Error(`no later validator set ${i}`);
    return { type: 'validatorSetChange', schedule: s };
  }

  node(self = 0, persisted?: SafetyRecord, committed?: BlockSummary): TestNode {
    return new TestNode(this, self, persisted, committed);
  }
}

/** One node's reducer with its state; every method returns the effects of the events it fed. */
export class TestNode {
  state: ConsensusState;
  readonly id: ValidatorId;

  constructor(
    readonly fixture: ConsensusFixture,
    readonly self: number,
    persisted?: SafetyRecord,
    committed?: BlockSummary,
  ) {
    this.id = signer(self).id;
    this.state = initialState(
      { ...fixture.config, self: this.id },
      cryptoOf(signer(self)),
      fixture.genesis,
      persisted,
      committed,
    );
  }

  step(event: ConsensusEvent): ConsensusEffect[] {
    const out = step(this.state, event);
    this.state = out.state;
    return out.effects;
  }

  /** A message from a peer; `from` defaults to whoever signed it. */
  receive(message: ConsensusMessage, from?: ValidatorId): ConsensusEffect[] {
    const signedBy =
      message.kind === 'proposal'
        ? message.block.proposer
        : message.kind === 'vote'
          ? message.voter
          : message.sender;
    return this.step({ type: 'message', from: from ?? signedBy, message });
  }

  propose(block: BlockSummary): ConsensusEffect[] {
    return this.receive({ kind: 'proposal', block });
  }

  executed(block: BlockSummary, valid = true): ConsensusEffect[] {
    return this.step({ type: 'executed', blockHash: block.hash, valid });
  }

  /**
   * Feeds the event and plays a runtime that executes every block it is asked to as valid, in order;
   * returns all effects.
   */
  run(event: ConsensusEvent): ConsensusEffect[] {
    const all: ConsensusEffect[] = [];
    const queue: ConsensusEvent[] = [event];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const fx = this.step(next);
      all.push(...fx);
      for (const e of effectsOf(fx, 'execute')) {
        queue.push({ type: 'executed', blockHash: e.block.hash, valid: true });
      }
    }
    return all;
  }

  /** A proposal from its proposer, executed valid if the node asks. */
  accept(block: BlockSummary): ConsensusEffect[] {
    return this.run({ type: 'message', from: block.proposer, message: { kind: 'proposal', block } });
  }

  /** Hands the node a QC the way a peer's timeout for the next round carries it. */
  learnQc(qc: QuorumCert, via: number): ConsensusEffect[] {
    return this.receive(this.fixture.timeout(via, qc.round + 1, qc));
  }

  /** The last safety record this node asked to persist in `fx`. */
  static lastRecord(fx: readonly ConsensusEffect[]): SafetyRecord | undefined {
    return effectsOf(fx, 'persist').at(-1)?.record;
  }
}
