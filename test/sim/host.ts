/**
 * One simulated node: the real reducer's state plus what survives a crash (the persisted safety record
 * and the committed chain's tip, as storage would keep them), a mempool counter, and the Byzantine
 * mutator when it is one. A crash drops the in-memory state; a restart rebuilds it from what survived,
 * and the node must catch up through sync.
 */
import { summaryHash } from '../../src/consensus/digests.js';
import { initialState, step, type ConsensusState } from '../../src/consensus/lft.js';
import type {
  BlockSummary,
  ConsensusConfig,
  ConsensusCrypto,
  ConsensusEffect,
  ConsensusEvent,
  SafetyRecord,
} from '../../src/consensus/types.js';
import type { Mutator } from './byzantine.js';
import type { Observed } from './checker.js';
import type { InstanceSpec } from './scenario.js';

export class Host implements Observed {
  readonly label: string;
  readonly honest: boolean;
  private state: ConsensusState | undefined;
  /** Bumped on every crash, so timers and messages meant for the previous life are discarded. */
  incarnation = 0;
  persisted: SafetyRecord | undefined;
  tip: BlockSummary;
  halted = false;
  /** Set when a crash is due in the middle of this node's next step. */
  crashArmed = false;
  mempool = 0;
  /** What the reducer was last told about the mempool (`pendingTransactions`). */
  toldPending = false;
  steps = 0;

  constructor(
    readonly spec: InstanceSpec,
    readonly config: ConsensusConfig,
    readonly crypto: ConsensusCrypto,
    private readonly genesis: BlockSummary,
    readonly mutator: Mutator | undefined,
  ) {
    this.label = spec.label;
    this.honest = spec.role === 'honest';
    this.tip = genesis;
  }

  get validator(): string {
    return this.config.self;
  }

  get up(): boolean {
    return this.state !== undefined && !this.halted;
  }

  get round(): number {
    return this.state?.round ?? 0;
  }

  /**
   * Boots from what storage holds: genesis the first time, the persisted record and tip after a crash.
   * The caller then delivers `start`.
   */
  boot(): void {
    this.toldPending = false;
    this.state = initialState(this.config, this.crypto, this.genesis, this.persisted, this.tip);
  }

  crash(): void {
    this.crashArmed = false;
    this.state = undefined;
    this.incarnation++;
  }

  /** What the node runtime does for `buildProposal`: take transactions, hash the block, sign it. */
  buildBlock(e: Extract<ConsensusEffect, { type: 'buildProposal' }>, txCount: number): BlockSummary {
    const fields = {
      height: e.height,
      round: e.round,
      parentHash: e.parentHash,
      proposer: this.validator,
      qc: e.qc,
      tc: e.tc,
      txCount,
    };
    const hash = summaryHash(this.config.channel, fields);
    return { ...fields, hash, signature: this.crypto.sign(hash) };
  }

  deliver(event: ConsensusEvent): ConsensusEffect[] {
    if (this.state === undefined || this.halted) return [];
    if (event.type === 'message') this.mutator?.observe(event.message);
    this.steps++;
    const { state, effects } = step(this.state, event);
    this.state = state;
    return effects;
  }
}
