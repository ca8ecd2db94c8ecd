/** What the parts of a channel share: its injected clock, logger and metrics, its limits, its blocks in flight. */
import type { BlockSummary } from '../consensus/types.js';
import type { Block } from '../ledger/block.js';
import type { ExecutedBlock } from './block-exec.js';

/** The slice of pino the channel uses. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface Clock {
  /** Wall-clock microseconds since the Unix epoch (block times). */
  nowUs(): bigint;
}

export interface ChannelMetrics {
  committed(height: number, txCount: number, latencyMs: number): void;
  round(round: number): void;
  mempool(size: number): void;
  syncing(active: boolean): void;
}

export interface RuntimeLimits {
  readonly maxBlockTransactions: number;
  readonly maxBlockBytes: number;
  /** How far ahead of the local clock a block time may be. */
  readonly maxDriftUs: bigint;
  readonly txWindowUs: bigint;
  readonly mempoolTransactions: number;
  readonly mempoolBytes: number;
  /** Blocks asked from a peer per sync request. */
  readonly syncBatch: number;
}

export const DEFAULT_RUNTIME_LIMITS: RuntimeLimits = {
  maxBlockTransactions: 1000,
  maxBlockBytes: 8 * 1024 * 1024,
  maxDriftUs: 10_000_000n,
  txWindowUs: 300_000_000n,
  mempoolTransactions: 20_000,
  mempoolBytes: 128 * 1024 * 1024,
  syncBatch: 256,
};

/** A block this node knows but has not committed: received, built or synced; `executed` once it ran here. */
export interface PendingBlock {
  readonly block: Block;
  readonly bytes: Uint8Array;
  readonly summary: BlockSummary;
  executed?: ExecutedBlock;
  /** Milliseconds (local clock) when it arrived, to drop blocks that never found their parent. */
  readonly seenAt: number;
}
