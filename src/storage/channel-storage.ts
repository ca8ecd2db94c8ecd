/**
 * One channel's storage: its repositories and the only writer of committed data, commitBlock, which puts a
 * whole block (block, indexes, receipts, state diff, log nodes, meta) into ONE synced LevelDB batch. After a
 * crash a block is therefore either entirely there or entirely absent, and the meta record never points
 * past what exists.
 */
import { bytesToHex } from '../codec/hex.js';
import { StorageError } from './errors.js';
import {
  blockByHashKey,
  blockHashByHeightKey,
  commitProofKey,
  logNodeKey,
  metaKey,
  stateKey,
  txByHashKey,
} from './keys.js';
import { encodeMeta, encodeTxRecord, type ChainTip } from './records.js';
import {
  checkHash,
  createBlockRepository,
  createLogNodeRepository,
  createSafetyRecordRepository,
  createStateRepository,
  createTransactionRepository,
  type BlockRepository,
  type LogNodeRepository,
  type SafetyRecordRepository,
  type StateRepository,
  type TransactionRepository,
} from './repositories.js';
import { channelStore, type KeyValueStore, type KvOperation } from './store.js';

/** Everything a committed block changes, already encoded by the ledger. */
export interface BlockCommit {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly blockBytes: Uint8Array;
  /** The QC that finalized the block, if known at commit time (see KeySpace.COMMIT_PROOF_BY_HEIGHT). */
  readonly commitProof?: Uint8Array;
  /** In block order; the position is the index stored in the tx record. */
  readonly transactions: readonly CommittedTransaction[];
  /** The block's write set; a null value deletes the key. Each key at most once. */
  readonly stateWrites: readonly StateWrite[];
  /** Certificate-log nodes completed by this block. */
  readonly logNodes: readonly LogNode[];
}

export interface CommittedTransaction {
  readonly hash: Uint8Array;
  readonly bytes: Uint8Array;
  readonly receiptBytes: Uint8Array;
}

export interface StateWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

export interface LogNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

export class ChannelStorage {
  readonly blocks: BlockRepository;
  readonly transactions: TransactionRepository;
  readonly state: StateRepository;
  readonly safety: SafetyRecordRepository;
  readonly logNodes: LogNodeRepository;
  private readonly store: KeyValueStore;
  // Commits run one after another: each reads the tip it must extend, so two in flight could both pass.
  private tail: Promise<unknown> = Promise.resolve();

  /** `root` is the node's whole database; this channel only ever touches its own namespace of it. */
  constructor(
    root: KeyValueStore,
    readonly channel: string,
  ) {
    this.store = channelStore(root, channel);
    this.blocks = createBlockRepository(this.store);
    this.transactions = createTransactionRepository(this.store);
    this.state = createStateRepository(this.store);
    this.safety = createSafetyRecordRepository(this.store);
    this.logNodes = createLogNodeRepository(this.store);
  }

  /**
   * Commits a block at exactly last committed height + 1 (0 on an empty chain).
   * Effects: one synced batch write. Throws STORAGE_COMMIT_OUT_OF_ORDER, STORAGE_DUPLICATE_TX,
   * STORAGE_INVALID_ARGUMENT or STORAGE_RECORD_MALFORMED (a damaged tip) without writing anything.
   * Commits are ordered per instance, so a channel must have exactly one ChannelStorage that writes.
   */
  commitBlock(commit: BlockCommit): Promise<ChainTip> {
    const run = this.tail.then(() => this.commitNow(commit));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitNow(commit: BlockCommit): Promise<ChainTip> {
    const operations = buildOperations(commit);
    const tip = await this.blocks.lastCommitted();
    const expected = tip === undefined ? 0 : tip.height + 1;
    if (commit.height !== expected) {
      throw new StorageError(
        'STORAGE_COMMIT_OUT_OF_ORDER',
        `cannot commit height ${commit.height} on channel ${this.channel}: the next height is ${expected}`,
        { channel: this.channel, height: commit.height, expected },
      );
    }
    // A second index entry would silently move a committed transaction to another block.
    const existing = await Promise.all(commit.transactions.map((tx) => this.store.get(txByHashKey(tx.hash))));
    const dup = existing.findIndex((v) => v !== undefined);
    if (dup >= 0) {
      const hash = bytesToHex(commit.transactions[dup]!.hash);
      throw new StorageError('STORAGE_DUPLICATE_TX', `transaction ${hash} is already committed`, {
        channel: this.channel,
        hash,
      });
    }
    await this.store.write(operations, { sync: true });
    return { height: commit.height, hash: commit.hash };
  }
}

/** Validates the commit and turns it into batch operations; throws before anything is written. */
function buildOperations(commit: BlockCommit): KvOperation[] {
  const { height } = commit;
  const hash = checkHash(commit.hash, 'block hash');
  const ops: KvOperation[] = [
    { type: 'put', key: blockHashByHeightKey(height), value: hash },
    { type: 'put', key: blockByHashKey(hash), value: commit.blockBytes },
  ];
  if (commit.commitProof !== undefined) {
    ops.push({ type: 'put', key: commitProofKey(height), value: commit.commitProof });
  }
  const txHashes = new Set<string>();
  commit.transactions.forEach((tx, index) => {
    const key = txByHashKey(checkHash(tx.hash, 'transaction hash'));
    unique(txHashes, key, 'transaction hash', 'STORAGE_DUPLICATE_TX');
    const value = encodeTxRecord({ height, index, txBytes: tx.bytes, receiptBytes: tx.receiptBytes });
    ops.push({ type: 'put', key, value });
  });
  const stateKeys = new Set<string>();
  for (const write of commit.stateWrites) {
    const key = stateKey(write.key);
    unique(stateKeys, key, 'state key', 'STORAGE_INVALID_ARGUMENT');
    ops.push(write.value === null ? { type: 'del', key } : { type: 'put', key, value: write.value });
  }
  const nodes = new Set<string>();
  for (const node of commit.logNodes) {
    const key = logNodeKey(node.level, node.index);
    unique(nodes, key, 'log node', 'STORAGE_INVALID_ARGUMENT');
    ops.push({ type: 'put', key, value: checkHash(node.hash, 'log node hash') });
  }
  ops.push({ type: 'put', key: metaKey(), value: encodeMeta({ height, hash }) });
  return ops;
}

function unique(
  seen: Set<string>,
  key: Uint8Array,
  what: string,
  code: 'STORAGE_DUPLICATE_TX' | 'STORAGE_INVALID_ARGUMENT',
): void {
  const hex = bytesToHex(key);
  if (seen.has(hex)) throw new StorageError(code, `${what} appears twice in one block`, { key: hex });
  seen.add(hex);
}
