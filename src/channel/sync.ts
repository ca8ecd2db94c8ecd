/**
 * Block sync for one channel: serving committed blocks (and the certified chain above them) to peers, and
 * fetching what this node misses — on consensus' `requestSync`, and by asking peers their height when the
 * chain is quiet. Every fetched block comes with the QC that certifies it, checked against the validator set
 * of its height before the block is re-executed; then consensus gets the blocks as `synced` events.
 */
import { equalBytes } from '../codec/hex.js';
import { qcProblem } from '../consensus/certificates.js';
import type {
  BlockSummary,
  ConsensusCrypto,
  QuorumCert,
  ValidatorId,
  ValidatorSetSchedule,
} from '../consensus/types.js';
import { validatorsAt } from '../consensus/validators.js';
import { blockHash, decodeBlock, type Block } from '../ledger/block.js';
import { decodeQc, encodeQc } from '../network/consensus-codec.js';
import type { PeerTransport, SyncBlock } from '../network/transport.js';
import type { ExecutedBlock } from './block-exec.js';
import type { ChainReader } from './chain-reader.js';
import type { PendingBlocks } from './pending-blocks.js';
import type { ChannelMetrics, Logger } from './types.js';

/** What a sync fetches up to: a QC's block, or a height a peer reported. */
export interface SyncTarget {
  readonly height: number;
  readonly blockHash?: Uint8Array;
}

/** What sync needs from its channel runtime. */
export interface SyncHost {
  readonly channel: string;
  readonly self: ValidatorId;
  readonly transport: PeerTransport;
  readonly logger: Logger;
  readonly metrics?: ChannelMetrics;
  readonly crypto: ConsensusCrypto;
  readonly batch: number;
  readonly reader: ChainReader;
  readonly pending: PendingBlocks;
  committedHeight(): number;
  schedule(): readonly ValidatorSetSchedule[];
  highQc(): QuorumCert;
  /** Validates and executes a block once, recording it among the pending blocks (throws BlockRejected). */
  execute(block: Block, hash: Uint8Array, maxTimestamp: bigint): Promise<ExecutedBlock>;
  /** Hands blocks to consensus as `synced` and resolves once consensus has handled them. */
  deliver(blocks: readonly { block: BlockSummary; qc: QuorumCert }[]): Promise<void>;
  isClosed(): boolean;
}

/** Pause before reporting a sync that reached nobody who had the target, so consensus does not spin. */
const RETRY_PAUSE_MS = 500;

export class BlockSync {
  private running: Promise<void> | undefined;
  private lastProbeHeight: number;

  constructor(private readonly host: SyncHost) {
    // The first probe (at start) already counts as stalled: a restarted node asks at once.
    this.lastProbeHeight = host.committedHeight();
  }

  get active(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when no sync runs. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Committed blocks from `fromHeight`, then the certified uncommitted chain up to this node's highest QC. */
  async *serve(fromHeight: number, max: number): AsyncIterable<SyncBlock> {
    let next = fromHeight;
    let sent = 0;
    for await (const b of this.host.reader.syncBlocks(fromHeight, max)) {
      yield b;
      next = b.height + 1;
      sent++;
    }
    // Contiguous only: a block committed (and pruned from the pending set) meanwhile ends the answer early
    // rather than leaving a gap the peer would take for a bad answer.
    for (const { block, qc } of this.host.pending.certifiedChain(this.host.highQc())) {
      if (block.summary.height < next) continue;
      if (block.summary.height > next || sent >= max) break;
      yield { height: block.summary.height, blockBytes: block.bytes, commitProof: encodeQc(qc) };
      next++;
      sent++;
    }
  }

  start(target: SyncTarget, from: ValidatorId): void {
    if (this.running !== undefined) return;
    const h = this.host;
    h.metrics?.syncing(true);
    this.running = this.syncTo(target, from)
      .catch((e: unknown) => h.logger.error({ err: String(e) }, 'sync failed'))
      .finally(() => {
        this.running = undefined;
        h.metrics?.syncing(false);
      });
  }

  /**
   * Consensus learns it is behind from the certificates in messages; a quiet chain sends none. So peers are
   * also asked for their committed height, and a sync starts when one is ahead.
   */
  async probe(): Promise<void> {
    const h = this.host;
    // Only a node that made no progress since the last probe: a moving chain brings its own certificates.
    const height = h.committedHeight();
    const stalled = height === this.lastProbeHeight;
    this.lastProbeHeight = height;
    if (!stalled || h.isClosed() || this.running !== undefined) return;
    const peers = this.peersFor(h.self);
    const heights = await Promise.allSettled(peers.map((p) => h.transport.peerHeight(h.channel, p)));
    let best = -1;
    let from: ValidatorId | undefined;
    heights.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value > best) {
        best = r.value;
        from = peers[i];
      }
    });
    if (from !== undefined && best > h.committedHeight()) this.start({ height: best }, from);
  }

  /** `from` first (unless it is this node), then the other validators. */
  private peersFor(from: ValidatorId): ValidatorId[] {
    const h = this.host;
    const others = validatorsAt(h.schedule(), h.committedHeight() + 1).filter(
      (id) => id !== h.self && id !== from,
    );
    return from === h.self ? others : [from, ...others];
  }

  private reached(target: SyncTarget): boolean {
    if (this.host.committedHeight() >= target.height) return true;
    return target.blockHash !== undefined && this.host.pending.get(target.blockHash)?.executed !== undefined;
  }

  private async syncTo(target: SyncTarget, from: ValidatorId): Promise<void> {
    const h = this.host;
    h.logger.info({ from, target: target.height }, 'sync started');
    for (const peer of this.peersFor(from)) {
      try {
        await this.syncFrom(peer, target);
      } catch (e) {
        h.logger.warn({ peer, err: (e as Error).message }, 'sync from peer failed');
        continue;
      }
      if (this.reached(target)) break;
    }
    if (!this.reached(target) && !h.isClosed()) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    await h.deliver([]);
    h.logger.info({ height: h.committedHeight() }, 'sync finished');
  }

  private async syncFrom(peer: ValidatorId, target: SyncTarget): Promise<void> {
    const h = this.host;
    let next = h.committedHeight() + 1;
    while (!h.isClosed() && !this.reached(target)) {
      const batch: { block: BlockSummary; qc: QuorumCert }[] = [];
      next = Math.max(next, h.committedHeight() + 1);
      for await (const sb of h.transport.fetchBlocks(h.channel, peer, next, h.batch)) {
        if (sb.height !== next) throw new Error(`peer sent height ${sb.height}, expected ${next}`);
        batch.push(await this.accept(sb));
        next++;
      }
      if (batch.length === 0) return;
      await h.deliver(batch);
    }
  }

  /** Checks a fetched block's certificate, then executes it (unless it already ran here). */
  private async accept(sb: SyncBlock): Promise<{ block: BlockSummary; qc: QuorumCert }> {
    const h = this.host;
    const block = decodeBlock(sb.blockBytes);
    const hash = blockHash(block.header!);
    const proof = decodeQc(sb.commitProof);
    if (!equalBytes(proof.blockHash, hash) || proof.height !== block.header!.height)
      throw new Error(`the proof of height ${sb.height} does not certify the block`);
    const problem = qcProblem(proof, h.channel, validatorsAt(h.schedule(), proof.height), h.crypto);
    if (problem !== undefined) throw new Error(`height ${sb.height}: ${problem}`);
    // Certified by a quorum: its time was checked when it was voted for.
    const executed = await h.execute(block, hash, BigInt(Number.MAX_SAFE_INTEGER));
    return { block: executed.summary, qc: proof };
  }
}
