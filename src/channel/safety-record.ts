/**
 * The consensus safety record as stored (SafetyRecordRepository: opaque bytes owned by consensus):
 * 0x01 ‖ u64 lastVotedRound ‖ u64 lastProposedRound ‖ proto QuorumCertificate (highQc).
 */
import type { SafetyRecord } from '../consensus/types.js';
import { decodeQc, encodeQc } from '../network/consensus-codec.js';
import { LoopchainError } from '../errors.js';

const FORMAT = 0x01;

export function encodeSafetyRecord(r: SafetyRecord): Uint8Array {
  const qc = encodeQc(r.highQc);
  const out = new Uint8Array(17 + qc.length);
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  view.setBigUint64(1, BigInt(r.lastVotedRound));
  view.setBigUint64(9, BigInt(r.lastProposedRound));
  out.set(qc, 17);
  return out;
}

export function decodeSafetyRecord(bytes: Uint8Array): SafetyRecord {
  if (bytes.length < 17 || bytes[0] !== FORMAT) {
    throw new LoopchainError('STORAGE_RECORD_MALFORMED', 'the stored safety record is damaged');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    lastVotedRound: Number(view.getBigUint64(1)),
    lastProposedRound: Number(view.getBigUint64(9)),
    highQc: decodeQc(bytes.subarray(17)),
  };
}
