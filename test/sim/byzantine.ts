/**
 * Byzantine behaviour beyond Twins (Twins need no code of their own: they are two honest reducers with
 * one key, wired by `network.ts` to different halves of the network, so together they equivocate).
 *
 * A mutator runs the honest reducer too, so it takes part in rounds, but tampers with what it sends:
 * conflicting proposals for one round (some marked invalid), votes for conflicting blocks, forged QCs
 * and TCs (bad signatures, too few votes, duplicate voters, votes by non-validators, claimed rounds the
 * signatures do not cover), messages claiming an honest sender, and stale replays. It can sign only as
 * itself or as outsiders it invents, like a real attacker holding one key.
 */
import { voteDigest, timeoutDigest, summaryHash } from '../../src/consensus/digests.js';
import type {
  BlockSummary,
  ConsensusCrypto,
  ConsensusMessage,
  QuorumCert,
  TimeoutCert,
  ValidatorId,
} from '../../src/consensus/types.js';
import type { SeededRandom } from '../helpers/seeded-random.js';
import { SimKeyring } from './crypto.js';
import type { BlockStore } from './block-store.js';

export interface MutatorContext {
  readonly self: ValidatorId;
  readonly channel: string;
  readonly validators: readonly ValidatorId[];
  readonly crypto: ConsensusCrypto;
  /** Outsider ids and their crypto: valid signatures by keys that are not validators. */
  readonly keys: SimKeyring;
  readonly store: BlockStore;
  readonly rnd: SeededRandom;
  readonly rate: number;
}

const REPLAY_BUFFER = 64;

export class Mutator {
  private readonly seen: ConsensusMessage[] = [];
  private highQc: QuorumCert | undefined;
  private maxRound = 0;
  private readonly outsider: { id: ValidatorId; crypto: ConsensusCrypto };

  constructor(private readonly ctx: MutatorContext) {
    const id = SimKeyring.outsiderId(ctx.rnd.int(1000));
    this.outsider = { id, crypto: ctx.keys.cryptoFor(id) };
  }

  /** Remembers what this node receives: material for replays and forgeries. */
  observe(message: ConsensusMessage): void {
    this.seen.push(message);
    if (this.seen.length > REPLAY_BUFFER) this.seen.shift();
    const qc =
      message.kind === 'proposal'
        ? message.block.qc
        : message.kind === 'timeout'
          ? message.highQc
          : undefined;
    if (qc !== undefined && (this.highQc === undefined || qc.round > this.highQc.round)) this.highQc = qc;
    const round = message.kind === 'proposal' ? message.block.round : message.round;
    this.maxRound = Math.max(this.maxRound, round);
  }

  /** What goes to one recipient in place of `message`: unchanged, altered, doubled, or nothing. */
  outgoing(message: ConsensusMessage): ConsensusMessage[] {
    const rnd = this.ctx.rnd;
    if (rnd.next() >= this.ctx.rate) return [message];
    switch (message.kind) {
      case 'proposal': {
        const alt = this.altProposal(message.block);
        return rnd.next() < 0.3 ? [message, alt] : [alt];
      }
      case 'vote': {
        const other = rnd.next() < 0.5 ? rnd.bytes(32) : this.altProposal(this.blockFor(message)).block.hash;
        const conflicting = this.vote(message.height, message.round, other);
        return rnd.pick([[conflicting], [message, conflicting], []]);
      }
      case 'timeout': {
        const forged =
          rnd.next() < 0.5
            ? this.timeout(message.round, this.forgeQc(message.highQc), message.lastRoundTc)
            : this.timeout(message.round, message.highQc, this.forgeTc(message.round - 1));
        return [forged, message];
      }
    }
  }

  /** A message to slip into the network unprompted. */
  inject(): ConsensusMessage {
    const rnd = this.ctx.rnd;
    const round = this.maxRound + rnd.int(3);
    const victim = rnd.pick(this.ctx.validators);
    switch (rnd.int(6)) {
      case 0:
        if (this.seen.length > 0) return rnd.pick(this.seen); // stale replay
        return this.vote(1, round, rnd.bytes(32));
      case 1: {
        // Claims an honest voter but cannot sign as it, or signs validly as a non-validator.
        const height = 1 + rnd.int(5);
        const blockHash = rnd.bytes(32);
        if (rnd.next() < 0.5)
          return { kind: 'vote', height, round, blockHash, voter: victim, signature: rnd.bytes(32) };
        const signature = this.outsider.crypto.sign(voteDigest(this.ctx.channel, height, round, blockHash));
        return { kind: 'vote', height, round, blockHash, voter: this.outsider.id, signature };
      }
      case 2: {
        const qc = this.highQc ?? this.fabricatedQc(round);
        return this.timeout(round, this.forgeQc(qc), undefined);
      }
      case 3: // a proposal claiming to come from another leader
        return {
          kind: 'proposal',
          block: {
            ...this.block(this.highQc ?? this.fabricatedQc(round), round, undefined),
            proposer: victim,
          },
        };
      case 4:
        return {
          kind: 'proposal',
          block: this.block(
            this.forgeQc(this.highQc ?? this.fabricatedQc(round)),
            round,
            this.forgeTc(round - 1),
          ),
        };
      default:
        return this.timeout(
          round + rnd.int(1000),
          this.highQc ?? this.fabricatedQc(round),
          this.forgeTc(round - 1),
        );
    }
  }

  private blockFor(vote: { height: number; round: number; blockHash: Uint8Array }): BlockSummary {
    return (
      this.ctx.store.get(vote.blockHash) ??
      this.block(this.fabricatedQc(vote.round - 1), vote.round, undefined)
    );
  }

  /** A rival block for the same round; sometimes marked invalid, sometimes with a forged QC or TC. */
  private altProposal(b: BlockSummary): { kind: 'proposal'; block: BlockSummary } {
    const rnd = this.ctx.rnd;
    const roll = rnd.int(4);
    const qc = roll === 2 ? this.forgeQc(b.qc) : b.qc;
    const tc = roll === 3 ? this.forgeTc(b.round - 1) : b.tc;
    const fields = { ...b, qc, tc, txCount: b.txCount + 1 + rnd.int(1000) };
    const hash = summaryHash(this.ctx.channel, fields);
    const block: BlockSummary = { ...fields, hash, signature: this.ctx.crypto.sign(hash) };
    this.ctx.store.add(block, roll === 1);
    return { kind: 'proposal', block };
  }

  private block(qc: QuorumCert, round: number, tc: TimeoutCert | undefined): BlockSummary {
    const fields = {
      height: qc.height + 1,
      round,
      parentHash: qc.blockHash,
      proposer: this.ctx.self,
      qc,
      tc,
      // Above any honest block's count, so a forgery never rebuilds an honest block by chance.
      txCount: 1000 + this.ctx.rnd.int(1000),
    };
    const hash = summaryHash(this.ctx.channel, fields);
    const block: BlockSummary = { ...fields, hash, signature: this.ctx.crypto.sign(hash) };
    this.ctx.store.add(block, this.ctx.rnd.next() < 0.5);
    return block;
  }

  private vote(height: number, round: number, blockHash: Uint8Array): ConsensusMessage {
    const signature = this.ctx.crypto.sign(voteDigest(this.ctx.channel, height, round, blockHash));
    return { kind: 'vote', height, round, blockHash, voter: this.ctx.self, signature };
  }

  private timeout(round: number, highQc: QuorumCert, lastRoundTc: TimeoutCert | undefined): ConsensusMessage {
    const signature = this.ctx.crypto.sign(timeoutDigest(this.ctx.channel, round, highQc.round));
    return { kind: 'timeout', round, highQc, lastRoundTc, sender: this.ctx.self, signature };
  }

  /** A QC nobody certified: the mutator's own vote plus signatures it made up. */
  private fabricatedQc(round: number): QuorumCert {
    const r = Math.max(1, round);
    const blockHash = this.ctx.rnd.bytes(32);
    const votes = this.ctx.validators.map((voter) =>
      voter === this.ctx.self
        ? { voter, signature: this.ctx.crypto.sign(voteDigest(this.ctx.channel, r, r, blockHash)) }
        : { voter, signature: this.ctx.rnd.bytes(32) },
    );
    return { height: r, round: r, blockHash, votes };
  }

  /** A QC that looks like `qc` but must be rejected. */
  private forgeQc(qc: QuorumCert): QuorumCert {
    const rnd = this.ctx.rnd;
    const votes = [...qc.votes];
    const i = votes.length > 0 ? rnd.int(votes.length) : -1;
    switch (i < 0 ? 4 : rnd.int(5)) {
      case 0: {
        const sig = Uint8Array.from(votes[i]!.signature);
        sig[rnd.int(sig.length)]! ^= 1 + rnd.int(255);
        votes[i] = { voter: votes[i]!.voter, signature: sig };
        return { ...qc, votes };
      }
      case 1:
        return { ...qc, votes: votes.slice(0, votes.length - 1) };
      case 2: {
        const { id, crypto } = this.outsider;
        votes[i] = {
          voter: id,
          signature: crypto.sign(voteDigest(this.ctx.channel, qc.height, qc.round, qc.blockHash)),
        };
        return { ...qc, votes };
      }
      case 3:
        votes[i] = votes[(i + 1) % votes.length]!;
        return { ...qc, votes };
      default: // a higher round than the signatures cover
        return { ...qc, round: qc.round + 1 + rnd.int(5), height: qc.height + rnd.int(2) };
    }
  }

  /** A TC for `round` the validators never signed. */
  private forgeTc(round: number): TimeoutCert | undefined {
    if (round < 1) return undefined;
    const rnd = this.ctx.rnd;
    const own = (highQcRound: number) => ({
      sender: this.ctx.self,
      highQcRound,
      signature: this.ctx.crypto.sign(timeoutDigest(this.ctx.channel, round, highQcRound)),
    });
    const highQcRound = rnd.int(round);
    const quorum = this.ctx.validators.length - Math.floor((this.ctx.validators.length - 1) / 3);
    switch (rnd.int(3)) {
      case 0:
        return {
          round,
          timeouts: this.ctx.validators.map((sender) => ({ sender, highQcRound, signature: rnd.bytes(32) })),
        };
      case 1:
        return { round, timeouts: Array.from({ length: quorum }, () => own(highQcRound)) };
      default: {
        const { id, crypto } = this.outsider;
        const outsider = {
          sender: id,
          highQcRound,
          signature: crypto.sign(timeoutDigest(this.ctx.channel, round, highQcRound)),
        };
        return { round, timeouts: [own(highQcRound), ...Array.from({ length: quorum - 1 }, () => outsider)] };
      }
    }
  }
}
