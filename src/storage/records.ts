/**
 * The small value records storage owns itself (blocks, transactions and receipts are opaque bytes encoded
 * by the ledger). Each record starts with a format byte so a later layout can sit next to this one; like key
 * prefixes, a format byte is never reused (keys.ts). Every length is explicit and the total must match
 * exactly, so a truncated or padded value is caught rather than decoded into nonsense.
 */
import { StorageError } from './errors.js';
import { HASH_LENGTH, readU64, writeU64 } from './keys.js';

/** Format bytes. Released: META_V1 = 0x01, TX_V1 = 0x01 (each record type has its own byte space). */
export const RecordFormat = { META_V1: 0x01, TX_V1: 0x01 } as const;

/** The last committed block of a channel. */
export interface ChainTip {
  readonly height: number;
  readonly hash: Uint8Array;
}

/** Where a transaction was committed, with its bytes and receipt. */
export interface TxRecord {
  readonly height: number;
  readonly index: number;
  readonly txBytes: Uint8Array;
  readonly receiptBytes: Uint8Array;
}

const META_LENGTH = 1 + 8 + HASH_LENGTH;
const TX_HEADER_LENGTH = 1 + 8 + 4 + 4;

/** meta = format ‖ u64 height ‖ hash[32] */
export function encodeMeta(tip: ChainTip): Uint8Array {
  const out = new Uint8Array(META_LENGTH);
  out[0] = RecordFormat.META_V1;
  writeU64(out, 1, tip.height);
  out.set(tip.hash, 9);
  return out;
}

export function decodeMeta(bytes: Uint8Array): ChainTip {
  if (bytes.length !== META_LENGTH) malformed('meta', `length ${bytes.length}, expected ${META_LENGTH}`);
  if (bytes[0] !== RecordFormat.META_V1) malformed('meta', `unknown format byte ${bytes[0]}`);
  const height = readU64(bytes, 1) ?? malformed('meta', 'height above 2^53');
  return { height, hash: bytes.slice(9) };
}

/** tx = format ‖ u64 height ‖ u32 index ‖ u32 len ‖ tx bytes ‖ u32 len ‖ receipt bytes */
export function encodeTxRecord(record: TxRecord): Uint8Array {
  const { txBytes, receiptBytes } = record;
  const out = new Uint8Array(TX_HEADER_LENGTH + txBytes.length + 4 + receiptBytes.length);
  const view = new DataView(out.buffer);
  out[0] = RecordFormat.TX_V1;
  writeU64(out, 1, record.height);
  view.setUint32(9, record.index);
  view.setUint32(13, txBytes.length);
  out.set(txBytes, 17);
  view.setUint32(17 + txBytes.length, receiptBytes.length);
  out.set(receiptBytes, 21 + txBytes.length);
  return out;
}

export function decodeTxRecord(bytes: Uint8Array): TxRecord {
  if (bytes.length < TX_HEADER_LENGTH + 4) malformed('tx', `length ${bytes.length} is too short`);
  if (bytes[0] !== RecordFormat.TX_V1) malformed('tx', `unknown format byte ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const height = readU64(bytes, 1) ?? malformed('tx', 'height above 2^53');
  const index = view.getUint32(9);
  const txLength = view.getUint32(13);
  const receiptAt = TX_HEADER_LENGTH + txLength;
  if (receiptAt + 4 > bytes.length) malformed('tx', `tx length ${txLength} overruns the record`);
  const receiptLength = view.getUint32(receiptAt);
  if (receiptAt + 4 + receiptLength !== bytes.length) {
    malformed('tx', `receipt length ${receiptLength} does not match the record length ${bytes.length}`);
  }
  return {
    height,
    index,
    txBytes: bytes.slice(TX_HEADER_LENGTH, receiptAt),
    receiptBytes: bytes.slice(receiptAt + 4),
  };
}

/** Block hashes by height and log nodes are bare 32-byte values. */
export function decodeHash(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length !== HASH_LENGTH) malformed(what, `length ${bytes.length}, expected ${HASH_LENGTH}`);
  return bytes;
}

function malformed(record: string, why: string): never {
  throw new StorageError('STORAGE_RECORD_MALFORMED', `malformed ${record} record: ${why}`, { record });
}
