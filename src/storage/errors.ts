import { LoopchainError } from '../errors.js';

/**
 * Storage error codes. Like key prefixes, a code is never reused for another meaning once released: the
 * node's edges and its operators' alerting match on them.
 */
export type StorageErrorCode =
  /** Another process (or another handle in this one) holds the LevelDB lock on the directory. */
  | 'STORAGE_LOCKED'
  /** The database could not be opened for a reason other than the lock (permissions, missing dir, …). */
  | 'STORAGE_OPEN_FAILED'
  /** LevelDB itself reports corrupted files (checksum mismatch, broken manifest). */
  | 'STORAGE_CORRUPTION'
  /** A read or write failed at the I/O level. */
  | 'STORAGE_IO'
  /** An operation was attempted on a store that is not open. */
  | 'STORAGE_CLOSED'
  /** A value record of ours is short, has trailing bytes, an unknown format byte or a wrong length. */
  | 'STORAGE_RECORD_MALFORMED'
  /** A commit's height is not last committed + 1 (or 0 on an empty chain). */
  | 'STORAGE_COMMIT_OUT_OF_ORDER'
  /** A commit names a transaction hash that is already indexed (in this block or an earlier one). */
  | 'STORAGE_DUPLICATE_TX'
  /** A caller passed malformed input: bad hash length, negative height, duplicate state key, bad name. */
  | 'STORAGE_INVALID_ARGUMENT';

export class StorageError extends LoopchainError<StorageErrorCode> {}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
