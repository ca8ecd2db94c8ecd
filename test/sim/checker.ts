/**
 * The invariants of DESIGN §4, checked on every effect an honest node emits (so after every step):
 *
 * - safety: no two different blocks final at one height on any two honest nodes;
 * - validity: every committed block was proposed and signed by the leader of its round, hashes to its
 *   contents, links to the previous final block one height up in a later round, was never marked
 *   invalid, and was made final by the 2-chain rule (a real QC for a child one round later);
 * - no honest double vote or double proposal, and no vote at or below a round the validator already
 *   signed in (restarts included); nothing signed leaves before the safety record covering it is
 *   persisted (DESIGN §4: the last voted round is persisted before the vote leaves);
 * - committed heights only grow (a restarted node resumes from its stored tip);
 * - no honest halt, and no evidence of equivocation against an honest validator;
 * - liveness: with at most f Byzantine validators, every honest node commits a new block within a
 *   bound of virtual time after the network heals, and again within that bound of each commit.
 *
 * The checker keeps its own record of every node and never trusts the reducer's state.
 */
import { bytesToHex, equalBytes } from '../../src/codec/hex.js';
import { summaryHash } from '../../src/consensus/digests.js';
import type {
  BlockSummary,
  ConsensusConfig,
  ConsensusMessage,
  QuorumCert,
  SafetyRecord,
} from '../../src/consensus/types.js';
import { leaderOf } from '../../src/consensus/validators.js';
import type { BlockStore } from './block-store.js';
import type { SimKeyring } from './crypto.js';

export type ViolationKind =
  | 'conflicting-commit'
  | 'invalid-commit'
  | 'double-vote'
  | 'double-proposal'
  | 'vote-regress'
  | 'unpersisted'
  | 'height-regress'
  | 'honest-halt'
  | 'honest-accused'
  | 'no-progress';

export const SAFETY_KINDS: readonly ViolationKind[] = [
  'conflicting-commit',
  'invalid-commit',
  'double-vote',
  'double-proposal',
  'vote-regress',
  'unpersisted',
  'height-regress',
  'honest-accused',
];

export interface Violation {
  readonly kind: ViolationKind;
  readonly time: number;
  readonly node: string;
  readonly detail: string;
}

/** What the checker needs to know about a node; labels are stable across restarts. */
export interface Observed {
  readonly label: string;
  readonly honest: boolean;
  readonly validator: string;
}

interface NodeRecord {
  /** Final block hashes by height; index 0 is genesis. */
  readonly chain: string[];
  lastChain: BlockSummary;
}

export class Checker {
  violation: Violation | undefined;
  commits = 0;
  private readonly finalAt: string[] = [];
  private readonly nodes = new Map<string, NodeRecord>();
  /** Per honest validator: round → the block it voted for, and the highest round it signed anything in. */
  private readonly votes = new Map<string, Map<number, string>>();
  private readonly signedUpTo = new Map<string, number>();
  private readonly proposals = new Map<string, string>();
  private baseline: Map<string, number> | undefined;
  private healAt = 0;
  private boundMs = Infinity;
  private readonly lastCommitAt = new Map<string, number>();

  constructor(
    private readonly config: ConsensusConfig,
    private readonly genesis: BlockSummary,
    private readonly store: BlockStore,
    private readonly keys: SimKeyring,
  ) {
    this.finalAt.push(bytesToHex(genesis.hash));
  }

  private fail(kind: ViolationKind, time: number, node: Observed, detail: string): void {
    this.violation ??= { kind, time, node: node.label, detail };
  }

  private record(node: Observed): NodeRecord {
    let r = this.nodes.get(node.label);
    if (r === undefined) {
      r = { chain: [bytesToHex(this.genesis.hash)], lastChain: this.genesis };
      this.nodes.set(node.label, r);
    }
    return r;
  }

  height(node: Observed): number {
    return this.heightOf(node.label);
  }

  onBroadcast(node: Observed, m: ConsensusMessage, persisted: SafetyRecord | undefined, time: number): void {
    if (!node.honest) return;
    const covered =
      m.kind === 'proposal'
        ? m.block.round <= (persisted?.lastProposedRound ?? 0)
        : m.round <= (persisted?.lastVotedRound ?? 0);
    if (!covered)
      return this.fail('unpersisted', time, node, `${m.kind} sent before its round was persisted`);
    if (m.kind === 'proposal') return this.onProposal(node, m.block, time);
    const signer = m.kind === 'vote' ? m.voter : m.sender;
    if (signer !== node.validator) this.fail('double-vote', time, node, `signed as ${signer}`);
    const upTo = this.signedUpTo.get(signer) ?? 0;
    if (m.kind === 'timeout') {
      this.signedUpTo.set(signer, Math.max(upTo, m.round));
      return;
    }
    let byRound = this.votes.get(signer);
    if (byRound === undefined) this.votes.set(signer, (byRound = new Map()));
    const hash = bytesToHex(m.blockHash);
    const earlier = byRound.get(m.round);
    if (earlier !== undefined && earlier !== hash) {
      return this.fail('double-vote', time, node, `two votes in round ${m.round}: ${earlier} and ${hash}`);
    }
    if (earlier === undefined && m.round <= upTo) {
      return this.fail('vote-regress', time, node, `vote in round ${m.round} after signing in round ${upTo}`);
    }
    byRound.set(m.round, hash);
    this.signedUpTo.set(signer, Math.max(upTo, m.round));
  }

  private onProposal(node: Observed, b: BlockSummary, time: number): void {
    const key = `${b.proposer}:${b.round}`;
    const hash = bytesToHex(b.hash);
    const earlier = this.proposals.get(key);
    if (earlier !== undefined && earlier !== hash) {
      return this.fail(
        'double-proposal',
        time,
        node,
        `two proposals in round ${b.round}: ${earlier} and ${hash}`,
      );
    }
    this.proposals.set(key, hash);
  }

  onCommit(node: Observed, blocks: readonly BlockSummary[], qc: QuorumCert, time: number): void {
    if (!node.honest) return;
    const rec = this.record(node);
    for (const b of blocks) {
      const problem = this.blockProblem(rec, b);
      if (problem !== undefined)
        return this.fail(problem[0], time, node, `height ${b.height}: ${problem[1]}`);
      const hash = bytesToHex(b.hash);
      const other = this.finalAt[b.height];
      if (other !== undefined && other !== hash) {
        return this.fail('conflicting-commit', time, node, `height ${b.height}: ${hash}, elsewhere ${other}`);
      }
      this.finalAt[b.height] = hash;
      rec.chain.push(hash);
      rec.lastChain = b;
      this.commits++;
      this.lastCommitAt.set(node.label, time);
    }
    const last = blocks[blocks.length - 1];
    if (last === undefined) return this.fail('invalid-commit', time, node, 'a commit of no blocks');
    const child = this.store.get(qc.blockHash);
    if (child === undefined || !equalBytes(child.parentHash, last.hash) || child.round !== last.round + 1) {
      return this.fail(
        'invalid-commit',
        time,
        node,
        `height ${last.height} final without a child one round later`,
      );
    }
    const problem = this.store.certProblem(qc);
    if (problem !== undefined) {
      this.fail(
        'invalid-commit',
        time,
        node,
        `the QC that makes height ${last.height} final does not verify: ${problem}`,
      );
    }
  }

  private blockProblem(rec: NodeRecord, b: BlockSummary): [ViolationKind, string] | undefined {
    const prev = rec.lastChain;
    if (b.height !== prev.height + 1) return ['height-regress', `committed after height ${prev.height}`];
    if (!equalBytes(b.parentHash, prev.hash))
      return ['invalid-commit', 'does not extend the previous final block'];
    if (b.round <= prev.round)
      return ['invalid-commit', `round ${b.round} not after its parent's ${prev.round}`];
    if (!equalBytes(summaryHash(this.config.channel, b), b.hash))
      return ['invalid-commit', 'hash does not match'];
    const leader = leaderOf(this.config, this.config.validatorSets, b.round, b.height);
    if (b.proposer !== leader) return ['invalid-commit', `proposed by ${b.proposer}, leader is ${leader}`];
    if (!this.keys.verify(b.hash, b.signature, b.proposer)) return ['invalid-commit', 'proposer signature'];
    if (this.store.isInvalid(b.hash)) return ['invalid-commit', 'a block marked invalid'];
    return undefined;
  }

  /** Evidence names its signer; an honest validator never signs two conflicting messages. */
  onEvidence(node: Observed, first: ConsensusMessage, honestIds: ReadonlySet<string>, time: number): void {
    const accused =
      first.kind === 'proposal' ? first.block.proposer : first.kind === 'vote' ? first.voter : first.sender;
    if (node.honest && honestIds.has(accused)) {
      this.fail(
        'honest-accused',
        time,
        node,
        `evidence of a ${first.kind} equivocation by honest ${accused}`,
      );
    }
  }

  onHalt(node: Observed, reason: string, time: number): void {
    if (node.honest) this.fail('honest-halt', time, node, reason);
  }

  /**
   * The network is calm from `time` on: every honest node owes a new final block within `boundMs`, and
   * then again within `boundMs` of each one (transactions keep arriving, so there is always work).
   */
  healed(nodes: readonly Observed[], time: number, boundMs: number): void {
    this.baseline = new Map(nodes.filter((n) => n.honest).map((n) => [n.label, this.height(n)]));
    this.healAt = time;
    this.boundMs = boundMs;
  }

  /** Whether every honest node has committed since the heal. */
  progressed(): boolean {
    if (this.baseline === undefined) return false;
    for (const [label, h] of this.baseline) if (this.heightOf(label) <= h) return false;
    return true;
  }

  checkDeadline(time: number): void {
    if (this.baseline === undefined || this.violation !== undefined) return;
    const overdue = (label: string) =>
      time > Math.max(this.healAt, this.lastCommitAt.get(label) ?? 0) + this.boundMs;
    const stuck = [...this.baseline.keys()].filter(overdue);
    if (stuck.length === 0) return;
    const who = stuck.map((l) => `${l}@h${this.heightOf(l)}`).join(', ');
    this.violation = {
      kind: 'no-progress',
      time,
      node: who,
      detail: `no new final block for ${this.boundMs} ms after the heal`,
    };
  }

  private heightOf(label: string): number {
    return (this.nodes.get(label)?.chain.length ?? 1) - 1;
  }
}
