/**
 * What the JSON-RPC server needs from a channel (the port the node's channel runtime implements). The server
 * owns the ICON JSON shapes and the JSON-RPC errors; the channel owns the data. Keeping this narrow lets the
 * API be tested against an in-memory double and the runtime against the real server.
 */
import type { Block } from '../ledger/block.js';
import type { Transaction } from '../ledger/transaction.js';
import type { Receipt } from '../score/receipt.js';
import type { CallQuery } from '../score/query.js';
import type { IconApiEntry } from '../score/api.js';
import type { IconValue } from '../codec/icon-serialize.js';

/** A committed block with its hash (the header-Merkle root) and decoded transactions, in block order. */
export interface CommittedBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly transactions: readonly Transaction[];
}

/** Where a committed transaction is. */
export interface CommittedTx {
  readonly tx: Transaction;
  readonly receipt: Receipt;
  readonly blockHeight: number;
  readonly blockHash: Uint8Array;
  readonly txIndex: number;
}

export interface ChannelPort {
  readonly channel: string;
  /** The channel's network id as `0x…` hex (transactions must carry it). */
  readonly nid: string;
  /**
   * Admits a parsed, signature-checked transaction to the mempool (and gossips it). Throws a LoopchainError
   * whose code says why not (mempool codes: WRONG_NID, TIMESTAMP_OUT_OF_WINDOW, DUPLICATE, ALREADY_COMMITTED,
   * MEMPOOL_FULL, TOO_LARGE, NODE_SYNCING).
   */
  submit(tx: Transaction): Promise<void>;
  /** True while the transaction waits in this node's mempool (or in an uncommitted block). */
  isPending(hash: Uint8Array): boolean;
  lastBlock(): Promise<CommittedBlock>;
  blockByHeight(height: number): Promise<CommittedBlock | undefined>;
  blockByHash(hash: Uint8Array): Promise<CommittedBlock | undefined>;
  transaction(hash: Uint8Array): Promise<CommittedTx | undefined>;
  /**
   * Resolves with the committed transaction once it is final, or undefined when `timeoutMs` passes first or
   * `signal` aborts (a closed HTTP connection). Never rejects for a timeout.
   */
  waitCommitted(hash: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<CommittedTx | undefined>;
  /** icx_call on the last committed state; throws ScoreError (SCORE_NOT_FOUND, METHOD_NOT_READONLY, …). */
  call(query: CallQuery): IconValue | null;
  /** icx_getScoreApi; throws ScoreError SCORE_NOT_FOUND. */
  scoreApi(address: string): IconApiEntry[];
}

/** The channels one node serves, by name. */
export type ChannelPorts = ReadonlyMap<string, ChannelPort>;
