/**
 * The channel's mempool: signature-verified transactions waiting for a block, in admission (FIFO) order.
 *
 * Bounded by count, by total encoded bytes and per transaction (DESIGN §8): a full pool refuses new work
 * with MEMPOOL_FULL and never evicts what it has admitted. Time comes from the injected `now` (µs) and the
 * replay check from the injected `isCommitted`, so tests drive both.
 *
 * Keys are `bytesToHex(hash)` (lowercase, no `0x`), the same form consensus uses for hashes; `take`'s
 * `exclude` set must use it too.
 */
import { bytesToHex } from '../codec/hex.js';
import { LoopchainError } from '../errors.js';
import { encodeTransaction, type Transaction } from '../ledger/transaction.js';

export type MempoolErrorCode =
  'WRONG_NID' | 'TIMESTAMP_OUT_OF_WINDOW' | 'DUPLICATE' | 'ALREADY_COMMITTED' | 'MEMPOOL_FULL' | 'TOO_LARGE';

export class MempoolError extends LoopchainError<MempoolErrorCode> {}

export interface MempoolOptions {
  /** The channel's network id; every transaction must carry it. */
  nid: bigint;
  /** Most transactions held at once (admitted plus those whose admission is in flight). */
  maxTransactions: number;
  /** Most total encoded bytes held at once. */
  maxBytes: number;
  /** Most encoded bytes of one transaction. */
  maxTxBytes: number;
  /** `|tx.timestamp - now|` must be at most this at admission; older ones expire (ICON: 5 minutes). */
  timestampWindowUs: bigint;
  /** Current time in µs. */
  now: () => bigint;
  /** Replay check against the committed ledger. */
  isCommitted: (hash: Uint8Array) => Promise<boolean>;
}

interface Entry {
  readonly tx: Transaction;
  readonly bytes: number;
}

/** An admission waiting on `isCommitted`; `finished` is set when `remove` names it meanwhile. */
interface Pending {
  readonly bytes: number;
  finished: boolean;
}

function requireCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`mempool ${name} must be a positive integer, got ${v}`);
  }
}

export class Mempool {
  private readonly options: MempoolOptions;
  /** Map iteration order is insertion order: the FIFO. */
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(tx: Transaction) => void>();
  private totalBytes = 0;
  private reservedBytes = 0;

  constructor(options: MempoolOptions) {
    requireCount('maxTransactions', options.maxTransactions);
    requireCount('maxBytes', options.maxBytes);
    requireCount('maxTxBytes', options.maxTxBytes);
    if (options.maxTxBytes > options.maxBytes) {
      throw new RangeError(
        `mempool maxTxBytes (${options.maxTxBytes}) must not exceed maxBytes (${options.maxBytes})`,
      );
    }
    if (options.timestampWindowUs < 0n) {
      throw new RangeError(`mempool timestampWindowUs must be ≥ 0, got ${options.timestampWindowUs}`);
    }
    if (options.nid < 0n) throw new RangeError(`mempool nid must be ≥ 0, got ${options.nid}`);
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Total encoded bytes of the admitted transactions. */
  get bytes(): number {
    return this.totalBytes;
  }

  has(hash: Uint8Array): boolean {
    return this.entries.has(bytesToHex(hash));
  }

  /**
   * Admits a parsed, signature-verified transaction; throws MempoolError. Of concurrent calls with the
   * same hash exactly one wins and the others get DUPLICATE. Capacity is reserved before the ledger is
   * asked, so concurrent admissions never overfill the pool. Effects: calls the `onAdded` listeners.
   */
  async add(tx: Transaction): Promise<void> {
    const o = this.options;
    const key = bytesToHex(tx.hash);
    const txHash = `0x${key}`;
    const size = encodeTransaction(tx).length;
    if (size > o.maxTxBytes) {
      throw new MempoolError(
        'TOO_LARGE',
        `transaction ${txHash} is ${size} bytes encoded, more than the limit of ${o.maxTxBytes}`,
        { size, limit: o.maxTxBytes },
      );
    }
    if (tx.nid !== o.nid) {
      throw new MempoolError(
        'WRONG_NID',
        `transaction ${txHash} is for nid 0x${tx.nid.toString(16)}, this channel is nid 0x${o.nid.toString(16)}`,
        { nid: `0x${tx.nid.toString(16)}`, expected: `0x${o.nid.toString(16)}` },
      );
    }
    const now = o.now();
    const skew = tx.timestamp - now;
    if (skew > o.timestampWindowUs || -skew > o.timestampWindowUs) {
      throw new MempoolError(
        'TIMESTAMP_OUT_OF_WINDOW',
        `transaction ${txHash} timestamp ${tx.timestamp} µs is ${skew < 0n ? -skew : skew} µs ` +
          `${skew < 0n ? 'behind' : 'ahead of'} the node clock (${now} µs); the window is ±${o.timestampWindowUs} µs`,
        { timestamp: tx.timestamp.toString(), now: now.toString(), windowUs: o.timestampWindowUs.toString() },
      );
    }
    if (this.entries.has(key) || this.pending.has(key)) {
      throw new MempoolError('DUPLICATE', `transaction ${txHash} is already in the mempool`);
    }
    const held = this.entries.size + this.pending.size;
    if (held >= o.maxTransactions) {
      throw new MempoolError(
        'MEMPOOL_FULL',
        `mempool is full: it holds ${held} transactions (${this.pending.size} being admitted), ` +
          `its bound is ${o.maxTransactions}`,
        { held, limit: o.maxTransactions },
      );
    }
    const heldBytes = this.totalBytes + this.reservedBytes;
    if (heldBytes + size > o.maxBytes) {
      throw new MempoolError(
        'MEMPOOL_FULL',
        `mempool is full: it holds ${heldBytes} bytes and transaction ${txHash} needs ${size} more, ` +
          `its bound is ${o.maxBytes} bytes`,
        { heldBytes, size, limit: o.maxBytes },
      );
    }

    const pending: Pending = { bytes: size, finished: false };
    this.pending.set(key, pending);
    this.reservedBytes += size;
    let committed: boolean;
    try {
      committed = await o.isCommitted(tx.hash);
    } finally {
      this.pending.delete(key);
      this.reservedBytes -= pending.bytes;
    }
    // `finished`: a block with this transaction committed while the ledger was being asked.
    if (committed || pending.finished) {
      throw new MempoolError('ALREADY_COMMITTED', `transaction ${txHash} is already committed`);
    }
    this.entries.set(key, { tx, bytes: size });
    this.totalBytes += size;
    this.notify(tx);
  }

  /**
   * Up to `maxCount` transactions and `maxBytes` encoded bytes in admission order, skipping hashes in
   * `exclude` (already in uncommitted ancestor blocks). One that does not fit the remaining bytes is
   * skipped, not a stop: the head of the queue always gets the whole budget, so nothing starves. Does not
   * remove what it returns. Effects: drops transactions whose timestamp fell out of the window.
   */
  take(maxCount: number, maxBytes: number, exclude?: ReadonlySet<string>): Transaction[] {
    const out: Transaction[] = [];
    if (maxCount <= 0 || maxBytes <= 0) return out;
    const oldest = this.oldestAllowed();
    let budget = maxBytes;
    for (const [key, entry] of this.entries) {
      if (entry.tx.timestamp < oldest) {
        this.drop(key, entry);
        continue;
      }
      if (exclude?.has(key) || entry.bytes > budget) continue;
      out.push(entry.tx);
      budget -= entry.bytes;
      if (out.length >= maxCount || budget === 0) break;
    }
    return out;
  }

  /** Removes committed (or otherwise finished) transactions; unknown hashes are ignored. */
  remove(hashes: Iterable<Uint8Array>): void {
    for (const hash of hashes) {
      const key = bytesToHex(hash);
      const entry = this.entries.get(key);
      if (entry !== undefined) this.drop(key, entry);
      const pending = this.pending.get(key);
      if (pending !== undefined) pending.finished = true;
    }
  }

  /**
   * Called after each successful add, in subscription order; returns the unsubscribe function. A listener
   * that throws does not stop the others; the first error is rethrown from `add`, after the transaction was
   * admitted (a listener bug must surface, not vanish).
   */
  onAdded(listener: (tx: Transaction) => void): () => void {
    // A wrapper, so subscribing the same function twice gives two independent subscriptions.
    const wrapped = (tx: Transaction) => listener(tx);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Drops transactions whose timestamp fell out of the window; returns how many. */
  prune(): number {
    const oldest = this.oldestAllowed();
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.tx.timestamp < oldest) {
        this.drop(key, entry);
        dropped++;
      }
    }
    return dropped;
  }

  private oldestAllowed(): bigint {
    return this.options.now() - this.options.timestampWindowUs;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  private notify(tx: Transaction): void {
    let failure: { error: unknown } | undefined;
    for (const listener of [...this.listeners]) {
      try {
        listener(tx);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
