/**
 * The state of one node's LFT instance. `step` owns it: it may change it in place and returns it, so the
 * caller must not share one state between two nodes (the simulator's Twins each get their own).
 */
import { bytesToHex } from '../codec/hex.js';
import { VerifiedQcs } from './certificates.js';
import type {
  BlockSummary,
  ConsensusConfig,
  ConsensusCrypto,
  QuorumCert,
  SafetyRecord,
  TimeoutCert,
  TimeoutMessage,
  ValidatorSetSchedule,
  VoteMessage,
} from './types.js';
import { configProblems } from './validators.js';

export type BlockStatus = 'executing' | 'valid' | 'invalid';

export interface ConsensusState {
  readonly config: ConsensusConfig;
  readonly crypto: ConsensusCrypto;
  readonly genesis: BlockSummary;
  /** Validator sets by height, starting from the config and extended by governance. */
  schedule: ValidatorSetSchedule[];
  round: number;
  lastVotedRound: number;
  highQc: QuorumCert;
  /** The highest TC seen; when it is for round − 1 it justifies proposing without a QC of round − 1. */
  lastTc: TimeoutCert | undefined;
  /** Last committed block; everything at or below its height is final. */
  committed: BlockSummary;
  /** Uncommitted blocks extending `committed`, by hex hash. */
  blocks: Map<string, { block: BlockSummary; status: BlockStatus }>;
  /** The first proposal seen per round, to detect a leader's equivocation. */
  proposals: Map<number, BlockSummary>;
  votes: Map<number, Map<string, VoteMessage>>;
  timeouts: Map<number, Map<string, TimeoutMessage>>;
  /** Highest round this node broadcast a timeout for. */
  timedOutRound: number;
  proposedRound: number;
  /** Consecutive rounds that ended without a QC: the exponent of the timer back-off. */
  failedRounds: number;
  pendingTransactions: boolean;
  /** Set while blocks up to this QC are being fetched; the node neither votes nor proposes. */
  syncTarget: QuorumCert | undefined;
  /**
   * The current round's proposal that arrived before its parent: kept so that the sync which fetches the
   * parent can take it up (the `proposals` entry makes a resent copy a DUPLICATE).
   */
  orphan: BlockSummary | undefined;
  /** Blocks committed on a quorum's QC while this node's execution of them was still running. */
  finalBeforeExecuted: Set<string>;
  halted: string | undefined;
  verifiedQcs: VerifiedQcs;
}

export class ConsensusConfigError extends Error {}

/**
 * A node's state at start-up or after a restart: `persisted` is its safety record, `committed` its last
 * committed block (both from storage). It starts in the round after its highest QC.
 */
export function initialState(
  config: ConsensusConfig,
  crypto: ConsensusCrypto,
  genesis: BlockSummary,
  persisted?: SafetyRecord,
  committed: BlockSummary = genesis,
): ConsensusState {
  const problems = configProblems(config);
  if (problems.length > 0) throw new ConsensusConfigError(`invalid consensus config: ${problems.join('; ')}`);
  const highQc = persisted?.highQc ?? genesis.qc;
  return {
    config,
    crypto,
    genesis,
    schedule: [...config.validatorSets],
    round: highQc.round + 1,
    lastVotedRound: persisted?.lastVotedRound ?? 0,
    highQc,
    lastTc: undefined,
    committed,
    blocks: new Map(),
    proposals: new Map(),
    votes: new Map(),
    timeouts: new Map(),
    timedOutRound: 0,
    proposedRound: persisted?.lastProposedRound ?? 0,
    failedRounds: 0,
    pendingTransactions: false,
    syncTarget: undefined,
    orphan: undefined,
    finalBeforeExecuted: new Set(),
    halted: undefined,
    verifiedQcs: new VerifiedQcs(),
  };
}

export function hexOf(hash: Uint8Array): string {
  return bytesToHex(hash);
}

/** The block with this hash if it is uncommitted or the committed tip. */
export function knownBlock(state: ConsensusState, hash: Uint8Array): BlockSummary | undefined {
  const key = hexOf(hash);
  if (key === hexOf(state.committed.hash)) return state.committed;
  return state.blocks.get(key)?.block;
}

export function blockStatus(state: ConsensusState, hash: Uint8Array): BlockStatus | undefined {
  const key = hexOf(hash);
  if (key === hexOf(state.committed.hash)) return 'valid';
  return state.blocks.get(key)?.status;
}
