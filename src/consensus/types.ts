/**
 * The data of LFT consensus (DESIGN §4): messages, events in, effects out, the persisted safety
 * record. Everything here is plain data so the simulator, the tests and the node runtime share it.
 *
 * Identities are validator ids: the 20-byte account id of an `hx` address, as lowercase hex (40
 * characters) so they can key maps. Hashes are 32-byte Uint8Arrays.
 */

export type ValidatorId = string;

/** A signed vote for block `blockHash` at (height, round). */
export interface VoteMessage {
  readonly kind: 'vote';
  readonly height: number;
  readonly round: number;
  readonly blockHash: Uint8Array;
  readonly voter: ValidatorId;
  readonly signature: Uint8Array;
}

/** QC: votes of a quorum for one block in one round. */
export interface QuorumCert {
  readonly height: number;
  readonly round: number;
  readonly blockHash: Uint8Array;
  readonly votes: readonly { readonly voter: ValidatorId; readonly signature: Uint8Array }[];
}

/** A signed timeout for `round`, carrying the sender's highest QC. */
export interface TimeoutMessage {
  readonly kind: 'timeout';
  readonly round: number;
  readonly highQc: QuorumCert;
  /**
   * The TC of round − 1 when the sender entered its round through one (DiemBFT v4's last_round_tc):
   * it lets a node that missed that TC catch up to the round instead of waiting forever.
   */
  readonly lastRoundTc: TimeoutCert | undefined;
  readonly sender: ValidatorId;
  readonly signature: Uint8Array;
}

/** TC: timeouts of a quorum for one round. Each entry signs (round, its highQc round). */
export interface TimeoutCert {
  readonly round: number;
  readonly timeouts: readonly {
    readonly sender: ValidatorId;
    readonly highQcRound: number;
    readonly signature: Uint8Array;
  }[];
}

/** The consensus-relevant view of a block; the node maps real blocks to it. */
export interface BlockSummary {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly round: number;
  readonly parentHash: Uint8Array;
  readonly proposer: ValidatorId;
  /** QC of the parent (piggybacked votes). */
  readonly qc: QuorumCert;
  /** TC of round - 1 when that round failed. */
  readonly tc: TimeoutCert | undefined;
  /** Number of transactions: empty blocks are only proposed to finish committing non-empty ones. */
  readonly txCount: number;
  /** Proposer's signature over the block hash. */
  readonly signature: Uint8Array;
}

export interface ProposalMessage {
  readonly kind: 'proposal';
  readonly block: BlockSummary;
}

export type ConsensusMessage = ProposalMessage | VoteMessage | TimeoutMessage;

/** What a node persists (fsync) before any vote or timeout leaves it; restored on restart. */
export interface SafetyRecord {
  /** Highest round this node voted or timed out in; it never signs a vote at or below it again. */
  readonly lastVotedRound: number;
  /** Highest round this node asked to have a block built and signed for; it never proposes twice in one. */
  readonly lastProposedRound: number;
  /** Highest QC known when the record was written (a restarted node must not lock lower). */
  readonly highQc: QuorumCert;
}

/** A validator set and the first height it is in force for. */
export interface ValidatorSetSchedule {
  readonly fromHeight: number;
  readonly validators: readonly ValidatorId[];
}

export interface ConsensusConfig {
  readonly channel: string;
  /** This node's id; a node that is not in the set follows the chain without voting. */
  readonly self: ValidatorId;
  /** Sorted by fromHeight; the first entry starts at height 1. */
  readonly validatorSets: readonly ValidatorSetSchedule[];
  /** Consecutive rounds each leader keeps (loopchain's leader term). */
  readonly leaderTerm: number;
  readonly baseTimeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Rounds ahead of the current one whose votes and timeouts are kept (memory bound). */
  readonly futureRoundWindow: number;
}

/** Signing with this node's key and checking others' signatures, injected (real or simulated). */
export interface ConsensusCrypto {
  sign(digest: Uint8Array): Uint8Array;
  verify(digest: Uint8Array, signature: Uint8Array, signer: ValidatorId): boolean;
}

/**
 * Why a message was not used. `DUPLICATE`, `STALE_ROUND` and `UNKNOWN_PARENT` happen between honest nodes
 * (networks duplicate and delay, nodes repeat their timeouts): the network layer must not penalize them.
 * The others are misbehaviour or corruption by the sender.
 */
export type RejectReason =
  | 'NOT_A_VALIDATOR'
  | 'BAD_SIGNATURE'
  | 'WRONG_LEADER'
  | 'STALE_ROUND'
  | 'FUTURE_ROUND'
  | 'DUPLICATE'
  | 'EQUIVOCATION'
  | 'INVALID_QC'
  | 'INVALID_TC'
  | 'INVALID_BLOCK'
  | 'UNSAFE_PROPOSAL'
  | 'UNKNOWN_PARENT';

export type ConsensusEvent =
  | { readonly type: 'start' }
  /** `from` is the peer the transport authenticated; the message says who signed it. */
  | { readonly type: 'message'; readonly from: ValidatorId; readonly message: ConsensusMessage }
  | { readonly type: 'timer'; readonly round: number }
  | {
      readonly type: 'executed';
      readonly blockHash: Uint8Array;
      readonly valid: boolean;
      readonly reason?: string;
    }
  /** The runtime built and signed the block asked for by a `buildProposal` effect. */
  | { readonly type: 'proposalBuilt'; readonly block: BlockSummary }
  /** Whether the mempool holds transactions waiting for a block. */
  | { readonly type: 'pendingTransactions'; readonly pending: boolean }
  /** Blocks fetched for a `requestSync`, each with the QC that certifies it, in height order. */
  | { readonly type: 'synced'; readonly blocks: readonly { block: BlockSummary; qc: QuorumCert }[] }
  | { readonly type: 'validatorSetChange'; readonly schedule: ValidatorSetSchedule };

export type ConsensusEffect =
  | { readonly type: 'persist'; readonly record: SafetyRecord }
  | { readonly type: 'broadcast'; readonly message: ConsensusMessage }
  | { readonly type: 'scheduleTimer'; readonly round: number; readonly delayMs: number }
  | { readonly type: 'execute'; readonly block: BlockSummary }
  | {
      readonly type: 'buildProposal';
      readonly round: number;
      readonly height: number;
      readonly parentHash: Uint8Array;
      readonly qc: QuorumCert;
      readonly tc: TimeoutCert | undefined;
    }
  /** Commit these blocks, oldest first; `qc` certifies the child that made them final. */
  | { readonly type: 'commit'; readonly blocks: readonly BlockSummary[]; readonly qc: QuorumCert }
  | { readonly type: 'requestSync'; readonly target: QuorumCert; readonly from: ValidatorId }
  | {
      readonly type: 'reject';
      readonly from: ValidatorId;
      readonly reason: RejectReason;
      readonly detail: string;
    }
  | { readonly type: 'evidence'; readonly first: ConsensusMessage; readonly second: ConsensusMessage }
  | { readonly type: 'halt'; readonly reason: string };
