/**
 * The consensus safety record as stored (SafetyRecordRepository: opaque bytes owned by consensus):
 * 0x01 ‖ u64 lastVotedRound ‖ u64 lastProposedRound ‖ u32 qcLength ‖ proto QuorumCertificate (highQc).
 * The length makes a truncated record fail loudly: protobuf alone would decode a QC cut between two votes
 * as a smaller QC.
 */
import type { SafetyRecord } from '../consensus/types.js';
import { decodeQc, encodeQc } from '../network/consensus-codec.js';
import { LoopchainError } from '../errors.js';

const FORMAT = 0x01;
const HEADER = 21;

function damaged(why: string): never {
  throw new LoopchainError('STORAGE_RECORD_MALFORMED', `the stored safety record is damaged: ${why}`);
}

export function encodeSafetyRecord(r: SafetyRecord): Uint8Array {
  const qc = encodeQc(r.highQc);
  const out = new Uint8Array(HEADER + qc.length);
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  view.setBigUint64(1, BigInt(r.lastVotedRound));
  view.setBigUint64(9, BigInt(r.lastProposedRound));
  view.setUint32(17, qc.length);
  out.set(qc, HEADER);
  return out;
}

export function decodeSafetyRecord(bytes: Uint8Array): SafetyRecord {
  if (bytes.length < HEADER) damaged(`${bytes.length} bytes, shorter than its header`);
  if (bytes[0] !== FORMAT) damaged(`unknown format 0x${bytes[0]!.toString(16)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const qcLength = view.getUint32(17);
  if (bytes.length !== HEADER + qcLength)
    damaged(`the QC should be ${qcLength} bytes, ${bytes.length - HEADER} are left`);
  let highQc;
  try {
    highQc = decodeQc(bytes.subarray(HEADER));
  } catch (e) {
    damaged((e as Error).message);
  }
  return {
    lastVotedRound: Number(view.getBigUint64(1)),
    lastProposedRound: Number(view.getBigUint64(9)),
    highQc,
  };
}
