/**
 * What consensus signatures cover. Each digest starts with its own domain tag and the channel, so a
 * signature can never be replayed as another kind of message or on another channel.
 */
import { sha3_256 } from '../codec/hash.js';
import { concatBytes } from '../codec/hex.js';
import type { BlockSummary, QuorumCert } from './types.js';

const UTF8 = new TextEncoder();

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function tagged(tag: string, channel: string, ...parts: Uint8Array[]): Uint8Array {
  return sha3_256(
    concatBytes(
      UTF8.encode(`loopchain-lft/${tag}`),
      Uint8Array.of(0),
      UTF8.encode(channel),
      Uint8Array.of(0),
      ...parts,
    ),
  );
}

export function voteDigest(
  channel: string,
  height: number,
  round: number,
  blockHash: Uint8Array,
): Uint8Array {
  return tagged('vote', channel, u64(height), u64(round), blockHash);
}

export function timeoutDigest(channel: string, round: number, highQcRound: number): Uint8Array {
  return tagged('timeout', channel, u64(round), u64(highQcRound));
}

/**
 * The hash of a block known only by its summary (simulator and unit tests). Real blocks are hashed by
 * `src/ledger/block.ts`; the node computes `BlockSummary.hash` from the block's bytes, never from the wire.
 */
export function summaryHash(channel: string, b: Omit<BlockSummary, 'hash' | 'signature'>): Uint8Array {
  return tagged(
    'block',
    channel,
    u64(b.height),
    u64(b.round),
    b.parentHash,
    UTF8.encode(b.proposer),
    qcId(b.qc),
    u64(b.tc === undefined ? 0 : b.tc.round + 1),
    u64(b.txCount),
  );
}

function qcId(qc: QuorumCert): Uint8Array {
  return concatBytes(u64(qc.height), u64(qc.round), qc.blockHash);
}

export function genesisSummary(channel: string): BlockSummary {
  const hash = tagged('genesis', channel);
  return {
    hash,
    height: 0,
    round: 0,
    parentHash: new Uint8Array(32),
    proposer: '',
    qc: { height: 0, round: 0, blockHash: hash, votes: [] },
    tc: undefined,
    txCount: 0,
    signature: new Uint8Array(0),
  };
}
