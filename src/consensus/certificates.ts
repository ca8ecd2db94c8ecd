/**
 * Checking QCs and TCs: a quorum of distinct members of the right validator set, each signature valid.
 * Verification is the expensive part of consensus, so verified QCs are remembered by identity.
 */
import { bytesToHex, equalBytes } from '../codec/hex.js';
import { timeoutDigest, voteDigest } from './digests.js';
import type { ConsensusCrypto, QuorumCert, TimeoutCert, ValidatorId } from './types.js';
import { quorumSize } from './validators.js';

export function qcKey(qc: Pick<QuorumCert, 'height' | 'round' | 'blockHash'>): string {
  return `${qc.height}:${qc.round}:${bytesToHex(qc.blockHash)}`;
}

export function isGenesisQc(qc: QuorumCert, genesisHash: Uint8Array): boolean {
  return qc.height === 0 && qc.round === 0 && qc.votes.length === 0 && equalBytes(qc.blockHash, genesisHash);
}

/** Returns why the QC is invalid, or undefined when it holds. */
export function qcProblem(
  qc: QuorumCert,
  channel: string,
  validators: readonly ValidatorId[],
  crypto: ConsensusCrypto,
): string | undefined {
  if (qc.height < 1 || qc.round < 1) return 'a QC other than genesis must be for height >= 1 and round >= 1';
  if (qc.blockHash.length !== 32) return 'QC block hash must be 32 bytes';
  const members = new Set(validators);
  const seen = new Set<ValidatorId>();
  const digest = voteDigest(channel, qc.height, qc.round, qc.blockHash);
  for (const v of qc.votes) {
    if (!members.has(v.voter)) return `vote by ${v.voter}, not a validator at height ${qc.height}`;
    if (seen.has(v.voter)) return `two votes by ${v.voter}`;
    seen.add(v.voter);
    if (!crypto.verify(digest, v.signature, v.voter)) return `bad vote signature by ${v.voter}`;
  }
  const need = quorumSize(validators.length);
  if (seen.size < need) return `${seen.size} votes, a quorum is ${need}`;
  return undefined;
}

export function tcProblem(
  tc: TimeoutCert,
  channel: string,
  validators: readonly ValidatorId[],
  crypto: ConsensusCrypto,
): string | undefined {
  const members = new Set(validators);
  const seen = new Set<ValidatorId>();
  for (const t of tc.timeouts) {
    if (!members.has(t.sender)) return `timeout by ${t.sender}, not a validator`;
    if (seen.has(t.sender)) return `two timeouts by ${t.sender}`;
    seen.add(t.sender);
    if (t.highQcRound >= tc.round) return `timeout by ${t.sender} claims a QC round not below the TC round`;
    if (!crypto.verify(timeoutDigest(channel, tc.round, t.highQcRound), t.signature, t.sender)) {
      return `bad timeout signature by ${t.sender}`;
    }
  }
  const need = quorumSize(validators.length);
  if (seen.size < need) return `${seen.size} timeouts, a quorum is ${need}`;
  return undefined;
}

/** The highest QC round any timeout of the TC carried: a block justified by the TC must extend at least it. */
export function tcHighQcRound(tc: TimeoutCert): number {
  return tc.timeouts.reduce((m, t) => Math.max(m, t.highQcRound), 0);
}

/**
 * A cache of QCs already verified, keyed by their whole content (votes and signatures included): a QC with
 * the same block but other signatures is verified on its own, so no forged certificate rides on a good one
 * into a block or a commit proof. Bounded so a flood of distinct QCs cannot grow it.
 */
export class VerifiedQcs {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity = 4096) {}
  has(qc: QuorumCert): boolean {
    return this.keys.has(contentKey(qc));
  }
  add(qc: QuorumCert): void {
    if (this.keys.size >= this.capacity) this.keys.clear();
    this.keys.add(contentKey(qc));
  }
}

function contentKey(qc: QuorumCert): string {
  return `${qcKey(qc)}/${qc.votes.map((v) => `${v.voter}:${bytesToHex(v.signature)}`).join(',')}`;
}
