/**
 * One channel on one node (DESIGN §2 channel/): the LFT core (src/consensus) driven by real time, storage,
 * execution and the network. Events go through one queue and are handled one at a time; the effects of each
 * step run in order, so a vote or timeout is only sent after the safety record it follows from is fsynced,
 * and blocks are committed one synced batch each, oldest first.
 */
import { bytesToHex, equalBytes } from '../codec/hex.js';
import { initialState, step, type ConsensusState } from '../consensus/lft.js';
import type {
  BlockSummary,
  ConsensusCrypto,
  ConsensusEffect,
  ConsensusEvent,
  QuorumCert,
  ValidatorId,
  ValidatorSetSchedule,
} from '../consensus/types.js';
import { validatorsAt } from '../consensus/validators.js';
import { addressOfPoint } from '../crypto/address.js';
import { recoverPublicKey, signRecoverable } from '../crypto/secp256k1.js';
import { blockHash, decodeBlock, validatorsHash, type Block } from '../ledger/block.js';
import {
  decodeTransaction,
  encodeTransaction,
  verifyTransaction,
  type Transaction,
} from '../ledger/transaction.js';
import { encodeQc } from '../network/consensus-codec.js';
import type { PeerMessage, PeerTransport } from '../network/transport.js';
import { Mempool } from '../node/mempool.js';
import { parentCa, type ParentCa, type Random } from '../pki/block-issuer.js';
import type { PopCheckWorker } from '../pki/pop-precheck.js';
import { pemParams } from '../score/block-prechecks.js';
import { commit as overlayWrites } from '../score/apply-block.js';
import { CommittedState } from '../score/overlay.js';
import { readValidatorChanges } from '../score/score-store.js';
import type { ChannelStorage } from '../storage/channel-storage.js';
import type { KeyObject } from 'node:crypto';
import {
  BlockRejected,
  blockTransactions,
  buildBlock,
  executeBlock,
  type ExecutedBlock,
  type ExecutionEnv,
  type ParentRef,
} from './block-exec.js';
import { summarize } from './block-summary.js';
import { readChainConfig, idOf, type ChainConfig } from './chain-config.js';
import { ChainReader } from './chain-reader.js';
import { MAX_UNEXECUTED, PendingBlocks } from './pending-blocks.js';
import { decodeSafetyRecord, encodeSafetyRecord } from './safety-record.js';
import { BlockSync } from './sync.js';
import {
  DEFAULT_RUNTIME_LIMITS,
  type ChannelMetrics,
  type Clock,
  type Logger,
  type RuntimeLimits,
} from './types.js';

export { DEFAULT_RUNTIME_LIMITS, type ChannelMetrics, type Clock, type Logger, type RuntimeLimits };

/** How often an idle channel asks its peers how far they are (a restarted node on a quiet chain). */
const PROBE_INTERVAL_MS = 3_000;
/** Gossip batching: at most this many transactions or bytes per message, sent at most this late. */
const GOSSIP_BATCH = 256;
const GOSSIP_BATCH_BYTES = 4 * 1024 * 1024;
const GOSSIP_DELAY_MS = 5;

export interface ChannelRuntimeOptions {
  readonly storage: ChannelStorage;
  readonly self: { readonly id: ValidatorId; readonly privateKey: Uint8Array };
  /** This node's Validator CA (certificate DER and key), when it issues certificates on this channel. */
  readonly validatorCa?: { readonly certificate: Uint8Array; readonly key: KeyObject };
  readonly transport: PeerTransport;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics?: ChannelMetrics;
  readonly limits?: Partial<RuntimeLimits>;
  /** Worker thread for CSR proof-of-possession and issuance-signature checks (ADR 0004); owned by the node. */
  readonly popWorker?: PopCheckWorker;
}

/** Rejections that honest nodes cause (delays, duplicates, repeats): never penalized. */
const BENIGN = new Set(['DUPLICATE', 'STALE_ROUND', 'FUTURE_ROUND', 'UNKNOWN_PARENT']);

export function consensusCrypto(privateKey: Uint8Array): ConsensusCrypto {
  return {
    sign: (digest) => signRecoverable(digest, privateKey),
    verify(digest, signature, signer) {
      try {
        return addressOfPoint(recoverPublicKey(digest, signature)) === `hx${signer}`;
      } catch {
        return false;
      }
    },
  };
}

export class ChannelRuntime {
  readonly channel: string;
  readonly config: ChainConfig;
  readonly reader: ChainReader;
  readonly mempool: Mempool;
  private readonly limits: RuntimeLimits;
  private readonly env: ExecutionEnv;
  private readonly crypto: ConsensusCrypto;
  private consensus: ConsensusState;
  private committed: CommittedState;
  private committedBlock: Block;
  private readonly pending = new PendingBlocks();
  private readonly sync: BlockSync;
  private readonly inFlight = new Map<string, Promise<ExecutedBlock>>();
  private readonly queue: ConsensusEvent[] = [];
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private gossipBuffer: Uint8Array[] = [];
  private gossipBytes = 0;
  private gossipTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private halted: string | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  private idle: (() => void)[] = [];
  private pendingWork = false;

  private constructor(
    private readonly o: ChannelRuntimeOptions,
    state: CommittedState,
    block: Block,
    config: ChainConfig,
    consensus: ConsensusState,
    crypto: ConsensusCrypto,
  ) {
    this.channel = o.storage.channel;
    this.config = config;
    this.committed = state;
    this.committedBlock = block;
    this.consensus = consensus;
    this.crypto = crypto;
    this.reader = new ChainReader(o.storage);
    this.limits = { ...DEFAULT_RUNTIME_LIMITS, ...o.limits };
    const cas = new Map<string, ParentCa>();
    for (const v of config.validators) if (v.caCertificate) cas.set(v.id, parentCa(v.caCertificate));
    this.env = {
      config,
      validatorCas: cas,
      ...(o.validatorCa === undefined
        ? {}
        : { signerCa: { parent: parentCa(o.validatorCa.certificate), key: o.validatorCa.key } }),
      random: o.random,
      txWindowUs: this.limits.txWindowUs,
      ...(o.popWorker === undefined ? {} : { popWorker: o.popWorker }),
    };
    this.mempool = new Mempool({
      nid: config.nid,
      maxTransactions: this.limits.mempoolTransactions,
      maxBytes: this.limits.mempoolBytes,
      maxTxBytes: 1024 * 1024,
      timestampWindowUs: this.limits.txWindowUs,
      now: () => o.clock.nowUs(),
      isCommitted: (hash) => this.reader.isCommitted(hash),
    });
    this.sync = new BlockSync({
      channel: this.channel,
      self: o.self.id,
      transport: o.transport,
      logger: o.logger,
      ...(o.metrics === undefined ? {} : { metrics: o.metrics }),
      crypto,
      batch: this.limits.syncBatch,
      reader: this.reader,
      pending: this.pending,
      committedHeight: () => this.committed.height,
      schedule: () => this.consensus.schedule,
      highQc: () => this.consensus.highQc,
      execute: (block, hash, maxTimestamp) => this.executeOnce(block, hash, maxTimestamp),
      deliver: async (blocks) => {
        this.enqueue({ type: 'synced', blocks });
        await this.whenIdle();
      },
      isClosed: () => this.closed,
    });
  }

  /** Opens a channel whose storage holds at least its genesis block, restoring consensus from disk. */
  static async open(o: ChannelRuntimeOptions): Promise<ChannelRuntime> {
    const tip = await o.storage.blocks.lastCommitted();
    if (tip === undefined) throw new Error(`channel ${o.storage.channel} has no genesis block in storage`);
    const reader = new ChainReader(o.storage);
    const tipBlock = (await reader.byHash(tip.hash))!.block;
    const genesis = (await reader.byHeight(0))!;
    const state = await CommittedState.load(o.storage.state, {
      height: tip.height,
      stateRoot: tipBlock.header!.stateRoot,
    });
    const config = readChainConfig(state);
    const genesisSet: ValidatorSetSchedule = {
      fromHeight: 1,
      validators: config.validators.map((v) => v.id),
    };
    const changes = readValidatorChanges(state).map((c) => ({
      fromHeight: c.fromHeight,
      validators: c.validators.map(idOf),
    }));
    const stored = await o.storage.safety.get();
    const crypto = consensusCrypto(o.self.privateKey);
    const consensus = initialState(
      {
        channel: config.channel,
        self: o.self.id,
        validatorSets: [genesisSet, ...changes].sort((a, b) => a.fromHeight - b.fromHeight),
        leaderTerm: config.consensus.leaderTerm,
        baseTimeoutMs: config.consensus.baseTimeoutMs,
        maxTimeoutMs: config.consensus.maxTimeoutMs,
        futureRoundWindow: 8,
      },
      crypto,
      summarize(genesis.block, genesis.hash),
      stored === undefined ? undefined : decodeSafetyRecord(stored),
      summarize(tipBlock, tip.hash),
    );
    return new ChannelRuntime(o, state, tipBlock, config, consensus, crypto);
  }

  get height(): number {
    return this.committed.height;
  }

  get round(): number {
    return this.consensus.round;
  }

  get isSyncing(): boolean {
    return this.sync.active;
  }

  get haltReason(): string | undefined {
    return this.halted;
  }

  get committedState(): CommittedState {
    return this.committed;
  }

  get lastCommittedBlock(): Block {
    return this.committedBlock;
  }

  /** Attaches to the transport and starts consensus. */
  start(): void {
    this.o.transport.attach(this.channel, {
      onMessage: (from, m) => this.onPeerMessage(from, m),
      blockSource: {
        blocks: (fromHeight, max) => this.sync.serve(fromHeight, max),
        height: async () => this.committed.height,
      },
      isAllowed: (peer) => this.isAllowedPeer(peer),
    });
    this.mempool.onAdded(() => this.notePendingWork());
    this.enqueue({ type: 'start' });
    void this.sync.probe();
    this.probeTimer = setInterval(() => void this.sync.probe(), PROBE_INTERVAL_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.gossipTimer) clearTimeout(this.gossipTimer);
    await this.whenIdle();
    await this.sync.idle();
  }

  /** Admits a transaction from a client: the mempool checks it, then it is gossiped to the peers. */
  async submit(tx: Transaction, gossip = true): Promise<void> {
    await this.mempool.add(tx);
    if (gossip) {
      this.gossip(tx);
      this.precheck([tx]);
    }
  }

  /**
   * Checks the proofs of possession of admitted transactions' CSRs on the worker now, before a block carries
   * them (pop-precheck.ts `admit`): the block's execution then finds them done. Never affects results.
   */
  private precheck(txs: readonly Transaction[]): void {
    if (this.o.popWorker === undefined || txs.length === 0) return;
    this.o.popWorker.admit(pemParams(txs)).catch((e: unknown) => {
      this.o.logger.warn({ err: String(e) }, 'admission precheck failed');
    });
  }

  /** Gossip goes out in batches: one message per few milliseconds instead of one per transaction. */
  private gossip(tx: Transaction): void {
    const bytes = encodeTransaction(tx);
    this.gossipBuffer.push(bytes);
    this.gossipBytes += bytes.length;
    if (this.gossipBuffer.length >= GOSSIP_BATCH || this.gossipBytes >= GOSSIP_BATCH_BYTES)
      this.flushGossip();
    else this.gossipTimer ??= setTimeout(() => this.flushGossip(), GOSSIP_DELAY_MS);
  }

  private flushGossip(): void {
    if (this.gossipTimer) clearTimeout(this.gossipTimer);
    this.gossipTimer = undefined;
    if (this.gossipBuffer.length === 0) return;
    this.o.transport.broadcast(this.channel, { type: 'transactions', transactions: this.gossipBuffer });
    this.gossipBuffer = [];
    this.gossipBytes = 0;
  }

  isPending(hash: Uint8Array): boolean {
    return this.mempool.has(hash) || this.pending.holdsTransaction(hash);
  }

  /** Resolves when `hash` is committed (true) or after timeoutMs / abort (false). */
  waitFor(hash: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const key = bytesToHex(hash);
    return new Promise((resolve) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = (v: boolean): void => {
        clearTimeout(t);
        signal?.removeEventListener('abort', abort);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(key);
        resolve(v);
      };
      const wake = (): void => done(true);
      const abort = (): void => done(false);
      const t = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', abort);
      set.add(wake);
      // Committed between the caller's lookup and now: answer at once.
      void this.reader.isCommitted(hash).then((yes) => {
        if (yes) done(true);
      });
    });
  }

  // ---- the event queue ---------------------------------------------------------------------------------

  private enqueue(event: ConsensusEvent): void {
    if (this.closed || this.halted !== undefined) return;
    this.queue.push(event);
    if (!this.draining) void this.drain();
  }

  private whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed && this.halted === undefined) {
        const event = this.queue.shift()!;
        const { state, effects } = step(this.consensus, event);
        this.consensus = state;
        for (const fx of effects) await this.run(fx);
        this.o.metrics?.round(this.consensus.round);
      }
    } catch (e) {
      this.halt(`runtime error: ${(e as Error).stack ?? String(e)}`);
    } finally {
      this.draining = false;
      const idle = this.idle;
      this.idle = [];
      for (const r of idle) r();
    }
  }

  private halt(reason: string): void {
    if (this.halted !== undefined) return;
    this.halted = reason;
    if (this.timer) clearTimeout(this.timer);
    this.o.logger.error({ reason }, 'channel halted');
  }

  private async run(fx: ConsensusEffect): Promise<void> {
    switch (fx.type) {
      case 'persist':
        await this.o.storage.safety.put(encodeSafetyRecord(fx.record));
        return;
      case 'broadcast': {
        const m = fx.message;
        if (m.kind === 'proposal') {
          const p = this.pending.get(m.block.hash);
          if (p) this.o.transport.broadcast(this.channel, { type: 'proposal', blockBytes: p.bytes });
        } else if (m.kind === 'vote') this.o.transport.broadcast(this.channel, { type: 'vote', vote: m });
        else this.o.transport.broadcast(this.channel, { type: 'timeout', timeout: m });
        return;
      }
      case 'scheduleTimer': {
        if (this.timer) clearTimeout(this.timer);
        const round = fx.round;
        this.timer = setTimeout(() => this.enqueue({ type: 'timer', round }), fx.delayMs);
        return;
      }
      case 'execute':
        return this.execute(fx.block);
      case 'buildProposal':
        return this.propose(fx);
      case 'commit':
        return this.commit(fx.blocks, fx.qc);
      case 'requestSync':
        this.sync.start({ height: fx.target.height, blockHash: fx.target.blockHash }, fx.from);
        return;
      case 'reject':
        if (!BENIGN.has(fx.reason)) {
          this.o.logger.warn({ peer: fx.from, reason: fx.reason, detail: fx.detail });
          if (fx.from !== this.o.self.id) this.o.transport.penalize(fx.from, fx.reason);
        } else {
          this.o.logger.debug({ peer: fx.from, reason: fx.reason, detail: fx.detail });
        }
        return;
      case 'evidence':
        this.o.logger.warn({ evidence: 'equivocation' }, 'equivocation evidence');
        return;
      case 'halt':
        this.halt(fx.reason);
        return;
    }
  }

  // ---- blocks ------------------------------------------------------------------------------------------

  private parentRef(hash: Uint8Array): ParentRef | undefined {
    const c = this.committedBlock.header!;
    if (equalBytes(hash, blockHash(c))) {
      return { state: this.committed, hash, height: c.height, timestamp: BigInt(c.timestamp) };
    }
    const p = this.pending.get(hash)?.executed;
    if (p === undefined) return undefined;
    const h = p.block.header!;
    return { state: p.result.state, hash, height: h.height, timestamp: BigInt(h.timestamp) };
  }

  private validatorsHashAt(height: number): Uint8Array {
    const ids = validatorsAt(this.consensus.schedule, height);
    return validatorsHash(ids.map((id) => Buffer.from(id, 'hex')));
  }

  private async execute(summary: BlockSummary): Promise<void> {
    const key = bytesToHex(summary.hash);
    const p = this.pending.get(summary.hash);
    let valid = false;
    let reason: string | undefined;
    try {
      if (p === undefined) throw new BlockRejected('WRONG_PARENT', 'block bytes unknown');
      await this.executeOnce(p.block, summary.hash, this.o.clock.nowUs() + this.limits.maxDriftUs);
      valid = true;
    } catch (e) {
      if (e instanceof BlockRejected) {
        reason = `${e.code}: ${e.message}`;
        this.o.logger.warn({ block: key, reason }, 'block rejected');
      } else {
        // A block from a peer must never take the channel down: no vote, and a loud log for the operator.
        reason = `execution failed: ${(e as Error).message}`;
        this.o.logger.error({ block: key, err: (e as Error).stack }, 'block failed');
      }
    }
    this.enqueue({ type: 'executed', blockHash: summary.hash, valid, ...(reason ? { reason } : {}) });
  }

  /**
   * Executes a block at most once, whoever asks (consensus and sync may both want it at the same moment):
   * each block has exactly one state overlay, which its children build on and its commit moves into the base.
   * The result is recorded in the pending set. Throws BlockRejected.
   */
  private executeOnce(block: Block, hash: Uint8Array, maxTimestamp: bigint): Promise<ExecutedBlock> {
    const done = this.pending.get(hash)?.executed;
    if (done !== undefined) return Promise.resolve(done);
    const key = bytesToHex(hash);
    let run = this.inFlight.get(key);
    if (run === undefined) {
      run = this.check(block, hash, maxTimestamp)
        .then((executed) => {
          const p = this.pending.get(hash);
          if (p === undefined) {
            this.pending.set({
              block,
              bytes: executed.bytes,
              summary: executed.summary,
              executed,
              seenAt: Date.now(),
            });
            return executed;
          }
          return (p.executed ??= executed);
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
    }
    return run;
  }

  /** Full validation and re-execution of a block; throws BlockRejected. */
  private async check(block: Block, hash: Uint8Array, maxTimestamp: bigint): Promise<ExecutedBlock> {
    const h = block.header!;
    const parent = this.parentRef(h.prevHash);
    if (parent === undefined) throw new BlockRejected('WRONG_PARENT', 'the parent is not executed here');
    const txs = blockTransactions(this.env, block);
    const inAncestors = this.pending.transactionsBelow(h.prevHash);
    for (const [i, tx] of txs.entries()) {
      if (inAncestors.has(bytesToHex(tx.hash)) || (await this.reader.isCommitted(tx.hash)))
        throw new BlockRejected('BAD_TRANSACTION', `transaction ${i} is already in the chain`);
    }
    return executeBlock(this.env, parent, block, hash, txs, {
      validatorsHash: this.validatorsHashAt(h.height),
      nextValidatorsHash: this.validatorsHashAt(h.height + 1),
      maxTimestamp,
    });
  }

  private async propose(fx: Extract<ConsensusEffect, { type: 'buildProposal' }>): Promise<void> {
    const parent = this.parentRef(fx.parentHash);
    if (parent === undefined) {
      this.o.logger.warn({ round: fx.round }, 'cannot propose: parent not executed');
      return;
    }
    const txs = this.mempool.take(
      this.limits.maxBlockTransactions,
      this.limits.maxBlockBytes,
      this.pending.transactionsBelow(fx.parentHash),
    );
    const now = this.o.clock.nowUs();
    let executed: ExecutedBlock;
    try {
      executed = buildBlock(this.env, parent, {
        round: fx.round,
        qc: fx.qc,
        tc: fx.tc,
        transactions: txs,
        timestamp: now > parent.timestamp ? now : parent.timestamp + 1n,
        proposerKey: this.o.self.privateKey,
        proposer: Buffer.from(this.o.self.id, 'hex'),
        validatorsHash: this.validatorsHashAt(fx.height),
        nextValidatorsHash: this.validatorsHashAt(fx.height + 1),
      });
    } catch (e) {
      // Not proposing lets the round time out and the next leader take over; the node itself goes on.
      this.o.logger.error({ round: fx.round, err: (e as Error).stack }, 'cannot propose');
      return;
    }
    this.pending.set({
      block: executed.block,
      bytes: executed.bytes,
      summary: executed.summary,
      executed,
      seenAt: Date.now(),
    });
    this.o.logger.debug({ height: fx.height, round: fx.round, txs: txs.length }, 'proposed');
    this.enqueue({ type: 'proposalBuilt', block: executed.summary });
  }

  private qcOf(blocks: readonly BlockSummary[], i: number, last: QuorumCert): QuorumCert {
    const child = i + 1 < blocks.length ? blocks[i + 1] : this.pending.get(last.blockHash)?.summary;
    if (child === undefined) throw new Error('commit without the certifying child block');
    return child.qc;
  }

  private async commit(blocks: readonly BlockSummary[], qc: QuorumCert): Promise<void> {
    for (const [i, summary] of blocks.entries()) {
      const key = bytesToHex(summary.hash);
      const p = this.pending.get(summary.hash);
      if (p?.executed === undefined) throw new Error(`committing block ${key} that was not executed here`);
      const e = p.executed;
      const proof = this.qcOf(blocks, i, qc);
      await this.writeBlock(e, proof);
    }
    this.prunePending();
  }

  private async writeBlock(e: ExecutedBlock, proof: QuorumCert): Promise<void> {
    const h = e.block.header!;
    await this.o.storage.commitBlock({
      height: h.height,
      hash: e.hash,
      blockBytes: e.bytes,
      commitProof: encodeQc(proof),
      transactions: e.transactions.map((tx, i) => ({
        hash: tx.hash,
        bytes: e.block.transactions[i]!,
        receiptBytes: e.result.receiptBytes[i]!,
      })),
      stateWrites: overlayWrites(e.result.state),
      logNodes: [],
    });
    this.committed.apply(e.result.state);
    this.committedBlock = e.block;
    this.mempool.remove(e.transactions.map((t) => t.hash));
    for (const t of e.transactions) {
      const set = this.waiters.get(bytesToHex(t.hash));
      if (set) for (const wake of [...set]) wake();
    }
    for (const c of e.result.validatorChanges) {
      this.enqueue({
        type: 'validatorSetChange',
        schedule: { fromHeight: c.fromHeight, validators: c.validators.map(idOf) },
      });
    }
    const latencyMs = Math.max(0, Number((this.o.clock.nowUs() - BigInt(h.timestamp)) / 1000n));
    this.o.metrics?.committed(h.height, e.transactions.length, latencyMs);
    this.o.metrics?.mempool(this.mempool.size);
    this.o.logger.info({ height: h.height, txs: e.transactions.length }, 'committed');
    this.refreshPendingWork();
  }

  private prunePending(): void {
    this.pending.prune(this.committed.height, Date.now());
  }

  private notePendingWork(): void {
    this.o.metrics?.mempool(this.mempool.size);
    if (!this.pendingWork) {
      this.pendingWork = true;
      this.enqueue({ type: 'pendingTransactions', pending: true });
    }
  }

  private refreshPendingWork(): void {
    const exclude = this.pending.transactionsBelow(this.consensus.highQc.blockHash);
    const pending = this.mempool.take(1, this.limits.maxBlockBytes, exclude).length > 0;
    if (pending !== this.pendingWork) {
      this.pendingWork = pending;
      this.enqueue({ type: 'pendingTransactions', pending });
    }
  }

  // ---- peers -------------------------------------------------------------------------------------------

  private isAllowedPeer(peer: ValidatorId): boolean {
    if (this.config.validators.some((v) => v.id === peer)) return true;
    for (const s of this.consensus.schedule) if (s.validators.includes(peer)) return true;
    return false;
  }

  private onPeerMessage(from: ValidatorId, m: PeerMessage): void {
    if (this.closed) return;
    switch (m.type) {
      case 'proposal': {
        let block: Block;
        try {
          block = decodeBlock(m.blockBytes);
          if (block.header!.channel !== this.channel || block.header!.height === 0)
            throw new Error('not a block of this channel');
        } catch (e) {
          this.o.transport.penalize(from, `invalid proposal: ${(e as Error).message}`);
          return;
        }
        const hash = blockHash(block.header!);
        if (this.pending.get(hash) === undefined) {
          if (this.pending.unexecuted() >= MAX_UNEXECUTED) {
            this.o.logger.warn({ peer: from }, 'too many unexecuted blocks: proposal dropped');
            return;
          }
          let summary: BlockSummary;
          try {
            summary = summarize(block, hash);
          } catch (e) {
            this.o.transport.penalize(from, `invalid proposal: ${(e as Error).message}`);
            return;
          }
          this.pending.set({ block, bytes: m.blockBytes, summary, seenAt: Date.now() });
        }
        this.enqueue({
          type: 'message',
          from,
          message: { kind: 'proposal', block: this.pending.get(hash)!.summary },
        });
        return;
      }
      case 'vote':
        this.enqueue({ type: 'message', from, message: m.vote });
        return;
      case 'timeout':
        this.enqueue({ type: 'message', from, message: m.timeout });
        return;
      case 'transactions':
        void this.admitGossip(from, m.transactions);
        return;
    }
  }

  private async admitGossip(from: ValidatorId, txs: readonly Uint8Array[]): Promise<void> {
    const admitted: Transaction[] = [];
    for (const bytes of txs) {
      let tx: Transaction;
      try {
        tx = decodeTransaction(bytes);
        verifyTransaction(tx);
      } catch (e) {
        this.o.transport.penalize(from, `invalid gossiped transaction: ${(e as Error).message}`);
        continue;
      }
      try {
        await this.submit(tx, false);
        admitted.push(tx);
      } catch {
        // Duplicates, full pool, already committed: normal between honest peers.
      }
    }
    this.precheck(admitted);
  }
}
