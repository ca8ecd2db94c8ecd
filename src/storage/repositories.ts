/**
 * Typed read (and, for the safety record, write) access to one channel's namespace. Each consumer takes
 * the one small interface it uses (STYLE 6): the JSON-RPC API reads blocks and transactions, the SCORE
 * runtime reads state, consensus keeps its safety record, the log service reads tree nodes. Writes of
 * committed data go only through ChannelStorage.commitBlock, in one batch. Methods are async even where
 * they need not be, so a bad argument always arrives as a rejection, never as a synchronous throw.
 */
import { StorageError } from './errors.js';
import {
  HASH_LENGTH,
  blockByHashKey,
  blockHashByHeightKey,
  commitProofKey,
  logNodeKey,
  metaKey,
  safetyKey,
  stateKey,
  txByHashKey,
} from './keys.js';
import { decodeHash, decodeMeta, decodeTxRecord, type ChainTip, type TxRecord } from './records.js';
import type { KeyValueStore } from './store.js';

export interface BlockRepository {
  getHashByHeight(height: number): Promise<Uint8Array | undefined>;
  getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined>;
  /** The proof (QC) that made the block at `height` final, when the committer supplied one. */
  getCommitProof(height: number): Promise<Uint8Array | undefined>;
  /** undefined on a chain with no committed block, not even genesis. */
  lastCommitted(): Promise<ChainTip | undefined>;
}

export interface TransactionRepository {
  get(hash: Uint8Array): Promise<TxRecord | undefined>;
}

export interface StateRepository {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Every committed state entry, keys ascending (the SCORE runtime loads its in-memory base from it). */
  entries(): AsyncIterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
}

/**
 * The consensus safety record (last voted round and whatever else consensus needs to never sign twice).
 * Opaque here: consensus owns its encoding.
 */
export interface SafetyRecordRepository {
  get(): Promise<Uint8Array | undefined>;
  /** Resolves only once the record is fsynced: a vote may leave the node only after this. */
  put(record: Uint8Array): Promise<void>;
}

export interface LogNodeRepository {
  /** The RFC 6962 node hash at (level, index); level 0 holds leaf hashes. */
  getNode(level: number, index: number): Promise<Uint8Array | undefined>;
}

export function createBlockRepository(store: KeyValueStore): BlockRepository {
  return {
    async getHashByHeight(height) {
      const value = await store.get(blockHashByHeightKey(height));
      return value === undefined ? undefined : decodeHash(value, 'block hash by height');
    },
    async getBlockBytes(hash) {
      return store.get(blockByHashKey(checkHash(hash, 'block hash')));
    },
    async getCommitProof(height) {
      return store.get(commitProofKey(height));
    },
    async lastCommitted() {
      const value = await store.get(metaKey());
      return value === undefined ? undefined : decodeMeta(value);
    },
  };
}

export function createTransactionRepository(store: KeyValueStore): TransactionRepository {
  return {
    async get(hash) {
      const value = await store.get(txByHashKey(checkHash(hash, 'transaction hash')));
      return value === undefined ? undefined : decodeTxRecord(value);
    },
  };
}

export function createStateRepository(store: KeyValueStore): StateRepository {
  return {
    async get(key) {
      return store.get(stateKey(key));
    },
    async *entries() {
      const prefix = stateKey(new Uint8Array(0));
      for await (const { key, value } of store.entries(prefix)) {
        yield { key: key.slice(prefix.length), value };
      }
    },
  };
}

export function createSafetyRecordRepository(store: KeyValueStore): SafetyRecordRepository {
  return {
    get() {
      return store.get(safetyKey());
    },
    put(record) {
      return store.write([{ type: 'put', key: safetyKey(), value: record }], { sync: true });
    },
  };
}

export function createLogNodeRepository(store: KeyValueStore): LogNodeRepository {
  return {
    async getNode(level, index) {
      const value = await store.get(logNodeKey(level, index));
      return value === undefined ? undefined : decodeHash(value, 'log node');
    },
  };
}

/** Hashes are fixed-length key parts; a wrong length is a caller bug, not a miss. */
export function checkHash(hash: Uint8Array, what: string): Uint8Array {
  if (hash.length !== HASH_LENGTH) {
    throw new StorageError('STORAGE_INVALID_ARGUMENT', `${what} must be ${HASH_LENGTH} bytes`, {
      what,
      length: hash.length,
    });
  }
  return hash;
}
