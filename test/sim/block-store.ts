/**
 * Every block built anywhere in a run (honest or Byzantine), the ones a mutator marked invalid, and the
 * answers to sync requests. It stands in for "any honest peer that has the chain": a node asking to
 * sync to a QC gets the blocks from its own tip up to the QC's block, but only when that QC is a real
 * quorum of validator signatures, because an honest peer only serves chains a quorum certified.
 */
import { bytesToHex } from '../../src/codec/hex.js';
import { voteDigest } from '../../src/consensus/digests.js';
import type { BlockSummary, QuorumCert, ValidatorId } from '../../src/consensus/types.js';
import type { SimKeyring } from './crypto.js';

export type SyncedBlocks = { block: BlockSummary; qc: QuorumCert }[];

export class BlockStore {
  private readonly blocks = new Map<string, BlockSummary>();
  private readonly invalid = new Set<string>();
  private readonly checked = new WeakMap<QuorumCert, string | undefined>();

  constructor(
    private readonly channel: string,
    private readonly validators: readonly ValidatorId[],
    private readonly quorum: number,
    private readonly keys: SimKeyring,
  ) {}

  /** Validity belongs to a block's contents: a block built again with the same hash keeps its first mark. */
  add(block: BlockSummary, invalid = false): void {
    const key = bytesToHex(block.hash);
    if (this.blocks.has(key)) return;
    this.blocks.set(key, block);
    if (invalid) this.invalid.add(key);
  }

  get(hash: Uint8Array): BlockSummary | undefined {
    return this.blocks.get(bytesToHex(hash));
  }

  isInvalid(hash: Uint8Array): boolean {
    return this.invalid.has(bytesToHex(hash));
  }

  /**
   * Why a QC is not a quorum certificate, checked independently of the reducer: a quorum of distinct
   * validators, each signature valid. Undefined when it is one. Results are kept per QC object, since
   * one QC travels to every node.
   */
  certProblem(qc: QuorumCert): string | undefined {
    if (this.checked.has(qc)) return this.checked.get(qc);
    const problem = this.findCertProblem(qc);
    this.checked.set(qc, problem);
    return problem;
  }

  isCertified(qc: QuorumCert): boolean {
    return this.certProblem(qc) === undefined;
  }

  private findCertProblem(qc: QuorumCert): string | undefined {
    const members = new Set(this.validators);
    const digest = voteDigest(this.channel, qc.height, qc.round, qc.blockHash);
    const voters = new Set<ValidatorId>();
    for (const v of qc.votes) {
      if (!members.has(v.voter)) return `vote by non-validator ${v.voter}`;
      if (voters.has(v.voter)) return `two votes by ${v.voter}`;
      if (!this.keys.verify(digest, v.signature, v.voter)) return `bad signature by ${v.voter}`;
      voters.add(v.voter);
    }
    return voters.size >= this.quorum ? undefined : `${voters.size} votes, a quorum is ${this.quorum}`;
  }

  /**
   * Blocks above height `tipHeight` up to and including the target's block, oldest first, each with the
   * QC that certifies it (its child's QC, and the target for the last). Empty when the target is not
   * certified, not above the tip, or its chain is not fully known; cut short before an invalid block.
   */
  syncAnswer(tipHeight: number, target: QuorumCert): SyncedBlocks {
    if (target.height <= tipHeight || !this.isCertified(target)) return [];
    const chain: BlockSummary[] = [];
    let cur = this.get(target.blockHash);
    while (cur !== undefined && cur.height > tipHeight) {
      chain.push(cur);
      cur = this.get(cur.parentHash);
    }
    if (cur === undefined) return [];
    chain.reverse();
    // The runtime executes synced blocks on the way and stops at one that does not hold.
    const answer = chain.map((block, i) => ({ block, qc: i + 1 < chain.length ? chain[i + 1]!.qc : target }));
    const bad = chain.findIndex((b) => this.isInvalid(b.hash));
    return bad >= 0 ? answer.slice(0, bad) : answer;
  }
}
