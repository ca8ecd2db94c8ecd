/**
 * Transaction receipts: what execution says about each transaction, in ICON's TransactionResult shape (what
 * icon-sdk-js reads from icx_getTransactionResult), with a deterministic encoding for storage and hashing:
 *
 *   encodeReceipt = 0x01 (format) ‖ canonical JSON (keys sorted, no whitespace, UTF-8) of receiptJson
 *   receiptHash   = SHA3-256(encodeReceipt)
 *   receiptsRoot  = block-tree root (src/ledger/merkle.ts, SHA3-256) over the receipt hashes, in block order
 *
 * The block hash is not part of a receipt (it depends on receiptsRoot); `toTransactionResult` adds it, and the
 * step fields ICON clients expect (this chain has no step accounting, so they are 0x0), when serving the API.
 */
import { canonicalJson } from '../codec/canonical-json.js';
import { sha3_256 } from '../codec/hash.js';
import { bytesToHex } from '../codec/hex.js';
import { blockHasher } from '../ledger/merkle.js';
import { isFailureCode, ScoreError, type Failure } from './errors.js';

export interface EventLog {
  readonly scoreAddress: string;
  /** The event signature first (`Name(type,…)`), then the indexed values. */
  readonly indexed: readonly string[];
  readonly data: readonly string[];
}

export interface Receipt {
  /** `0x` + hex. */
  readonly txHash: string;
  readonly blockHeight: number;
  readonly txIndex: number;
  readonly to: string;
  readonly status: 0 | 1;
  readonly failure?: Failure;
  /** Empty for a failed transaction: its events were rolled back with its writes. */
  readonly eventLogs: readonly EventLog[];
  /** The SCORE a successful deploy created or added a version to. */
  readonly scoreAddress?: string;
}

/** A receipt as ICON JSON, without the block hash. */
export interface ReceiptJson {
  status: '0x1' | '0x0';
  to: string;
  txHash: string;
  txIndex: string;
  blockHeight: string;
  cumulativeStepUsed: '0x0';
  stepUsed: '0x0';
  stepPrice: '0x0';
  eventLogs: { scoreAddress: string; indexed: string[]; data: string[] }[];
  failure?: { code: string; message: string; scoreCode?: string };
  scoreAddress?: string;
}

/** icx_getTransactionResult's answer. */
export type TransactionResultJson = ReceiptJson & { blockHash: string };

const RECEIPT_FORMAT = 0x01;
const hex = (n: number): string => `0x${n.toString(16)}`;

export function receiptJson(r: Receipt): ReceiptJson {
  return {
    status: r.status === 1 ? '0x1' : '0x0',
    to: r.to,
    txHash: r.txHash,
    txIndex: hex(r.txIndex),
    blockHeight: hex(r.blockHeight),
    cumulativeStepUsed: '0x0',
    stepUsed: '0x0',
    stepPrice: '0x0',
    eventLogs: r.eventLogs.map((e) => ({
      scoreAddress: e.scoreAddress,
      indexed: [...e.indexed],
      data: [...e.data],
    })),
    ...(r.failure === undefined ? {} : { failure: { ...r.failure } }),
    ...(r.scoreAddress === undefined ? {} : { scoreAddress: r.scoreAddress }),
  };
}

export function encodeReceipt(r: Receipt): Uint8Array {
  const json = canonicalJson(receiptJson(r));
  // One buffer, the JSON written into it after the format byte (no intermediate copy).
  const out = new Uint8Array(1 + Buffer.byteLength(json, 'utf8'));
  out[0] = RECEIPT_FORMAT;
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(json, 1, 'utf8');
  return out;
}

function malformed(why: string): never {
  throw new ScoreError('INVALID_ARGUMENT', `malformed receipt: ${why}`);
}

const HEX_NUMBER = /^0x(?:0|[1-9a-f][0-9a-f]{0,12})$/;

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Parses `encodeReceipt` bytes, checking every field (stored bytes are read back by the API). */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  if (bytes[0] !== RECEIPT_FORMAT) malformed('unknown format byte');
  let j: Partial<Record<keyof ReceiptJson, unknown>>;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(1))) as typeof j;
  } catch {
    malformed('not UTF-8 JSON');
  }
  if (j.status !== '0x1' && j.status !== '0x0') malformed('status');
  for (const f of ['txIndex', 'blockHeight'] as const) {
    if (typeof j[f] !== 'string' || !HEX_NUMBER.test(j[f])) malformed(f);
  }
  if (typeof j.txHash !== 'string' || typeof j.to !== 'string') malformed('txHash or to');
  if (!Array.isArray(j.eventLogs)) malformed('eventLogs');
  const eventLogs = j.eventLogs.map((e: unknown) => {
    const { scoreAddress, indexed, data } = (e ?? {}) as Record<string, unknown>;
    if (typeof scoreAddress !== 'string' || !isStringList(indexed) || !isStringList(data))
      malformed('eventLogs');
    return { scoreAddress, indexed, data };
  });
  let failure: Failure | undefined;
  if (j.failure !== undefined) {
    const { code, message, scoreCode } = j.failure as Record<string, unknown>;
    if (typeof code !== 'string' || !isFailureCode(code) || typeof message !== 'string') malformed('failure');
    if (scoreCode !== undefined && typeof scoreCode !== 'string') malformed('failure.scoreCode');
    failure = scoreCode === undefined ? { code, message } : { code, message, scoreCode };
  }
  if ((j.status === '0x0') !== (failure !== undefined)) malformed('status and failure disagree');
  if (j.scoreAddress !== undefined && typeof j.scoreAddress !== 'string') malformed('scoreAddress');
  return {
    txHash: j.txHash,
    blockHeight: Number(j.blockHeight),
    txIndex: Number(j.txIndex),
    to: j.to,
    status: j.status === '0x1' ? 1 : 0,
    ...(failure === undefined ? {} : { failure }),
    eventLogs,
    ...(j.scoreAddress === undefined ? {} : { scoreAddress: j.scoreAddress as string }),
  };
}

export function receiptHash(encoded: Uint8Array): Uint8Array {
  return sha3_256(encoded);
}

export function receiptsRoot(receiptHashes: readonly Uint8Array[]): Uint8Array {
  return blockHasher.rootFromLeaves(receiptHashes);
}

export function toTransactionResult(r: Receipt, blockHash: Uint8Array): TransactionResultJson {
  return { ...receiptJson(r), blockHash: `0x${bytesToHex(blockHash)}` };
}
