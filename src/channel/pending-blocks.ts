/** The uncommitted blocks of a channel, by hex hash, and the walks down their parent links. */
import { bytesToHex } from '../codec/hex.js';
import type { QuorumCert } from '../consensus/types.js';
import type { PendingBlock } from './types.js';

/** A received block that never executed (its parent never came) is dropped after this long. */
const ORPHAN_TTL_MS = 60_000;
/** Received blocks not executed yet, at most: a peer cannot grow this node's memory by sending blocks. */
export const MAX_UNEXECUTED = 256;

export class PendingBlocks {
  private readonly byHash = new Map<string, PendingBlock>();

  get(hash: Uint8Array): PendingBlock | undefined {
    return this.byHash.get(bytesToHex(hash));
  }

  set(p: PendingBlock): void {
    this.byHash.set(bytesToHex(p.summary.hash), p);
  }

  /** Blocks received and not executed (yet). */
  unexecuted(): number {
    let n = 0;
    for (const p of this.byHash.values()) if (!p.executed) n++;
    return n;
  }

  /** Executed blocks from `hash` down to (not including) the committed block, newest first. */
  *executedChain(hash: Uint8Array): Generator<PendingBlock> {
    for (let p = this.get(hash); p?.executed; p = this.get(p.block.header!.prevHash)) yield p;
  }

  /** Hex hashes of the transactions in the executed chain from `hash` down. */
  transactionsBelow(hash: Uint8Array): Set<string> {
    const out = new Set<string>();
    for (const p of this.executedChain(hash)) {
      for (const t of p.executed!.transactions) out.add(bytesToHex(t.hash));
    }
    return out;
  }

  /** Whether an executed block holds the transaction `hash`. */
  holdsTransaction(hash: Uint8Array): boolean {
    const key = bytesToHex(hash);
    for (const p of this.byHash.values()) {
      if (p.executed?.transactions.some((t) => bytesToHex(t.hash) === key)) return true;
    }
    return false;
  }

  /** The executed chain ending at `highQc`'s block, oldest first, each block with the QC that certifies it. */
  certifiedChain(highQc: QuorumCert): { block: PendingBlock; qc: QuorumCert }[] {
    const chain: { block: PendingBlock; qc: QuorumCert }[] = [];
    let qc = highQc;
    for (const p of this.executedChain(highQc.blockHash)) {
      chain.unshift({ block: p, qc });
      qc = p.summary.qc;
    }
    return chain;
  }

  /** Drops blocks at or below the committed height, and orphans older than ORPHAN_TTL_MS. */
  prune(committedHeight: number, nowMs: number): void {
    for (const [key, p] of this.byHash) {
      if (p.summary.height <= committedHeight || (!p.executed && p.seenAt < nowMs - ORPHAN_TTL_MS)) {
        this.byHash.delete(key);
      }
    }
  }
}
