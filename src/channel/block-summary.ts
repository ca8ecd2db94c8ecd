/** The consensus view of a ledger block (src/consensus/types.ts BlockSummary), computed from its bytes. */
import { bytesToHex } from '../codec/hex.js';
import type { BlockSummary, QuorumCert } from '../consensus/types.js';
import { blockHash, type Block } from '../ledger/block.js';
import { qcFromProto, tcFromProto } from '../network/consensus-codec.js';

/** The QC a genesis block stands on: no votes, certifying itself (consensus isGenesisQc). */
export function genesisQc(hash: Uint8Array): QuorumCert {
  return { height: 0, round: 0, blockHash: hash, votes: [] };
}

/** `block` must have passed checkBlockShape; the QC/TC conversions validate their own fields. */
export function summarize(block: Block, hash: Uint8Array = blockHash(block.header!)): BlockSummary {
  const h = block.header!;
  if (h.height === 0) {
    return {
      hash,
      height: 0,
      round: 0,
      parentHash: new Uint8Array(32),
      proposer: '',
      qc: genesisQc(hash),
      tc: undefined,
      txCount: 0,
      signature: new Uint8Array(0),
    };
  }
  return {
    hash,
    height: h.height,
    round: h.round,
    parentHash: h.prevHash,
    proposer: bytesToHex(h.proposer),
    qc: qcFromProto(h.justify!.qc, 'justify.qc'),
    tc: h.justify!.tc === undefined ? undefined : tcFromProto(h.justify!.tc, 'justify.tc'),
    txCount: block.transactions.length,
    signature: block.signature,
  };
}
