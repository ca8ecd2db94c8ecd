/**
 * loopchain/ICON JSON-RPC v3 transactions (DESIGN §3): validation of every field at the edge, the
 * SHA3-256 hash over the ICON serialization, and secp256k1 recoverable signatures.
 *
 * A `Transaction` keeps the params exactly as received, because those are what is hashed, signed,
 * stored and returned by `icx_getTransactionByHash`; the typed fields beside them are parsed views.
 */
import { canonicalJson } from '../codec/canonical-json.js';
import { sha3_256 } from '../codec/hash.js';
import { bytesToHex, parseHexInt } from '../codec/hex.js';
import { SerializeError, serializeTransaction, type IconValue } from '../codec/icon-serialize.js';
import { isEoaAddress, isAddress, isScoreAddress, addressOfPoint } from '../crypto/address.js';
import { recoverPublicKey, signRecoverable, SignatureError } from '../crypto/secp256k1.js';
import { LoopchainError } from '../errors.js';

export type TxErrorCode =
  | 'NOT_AN_OBJECT'
  | 'TOO_LARGE'
  | 'MISSING_FIELD'
  | 'INVALID_FIELD'
  | 'UNKNOWN_FIELD'
  | 'INVALID_SIGNATURE'
  | 'SIGNER_MISMATCH';

export class TxError extends LoopchainError<TxErrorCode> {
  constructor(code: TxErrorCode, message: string, field?: string) {
    super(code, message, field === undefined ? {} : { field });
  }
}

export type DataType = 'call' | 'deploy' | 'message';

export interface CallData {
  method: string;
  params?: { [key: string]: IconValue };
}
export interface DeployData {
  contentType: string;
  content: string;
  params?: { [key: string]: IconValue };
}

/** The wire form: every value an ICON string (hex integers, addresses, base64 signature). */
export interface TxParams {
  version: string;
  from: string;
  to: string;
  value?: string;
  stepLimit: string;
  timestamp: string;
  nid: string;
  nonce?: string;
  dataType?: DataType;
  data?: CallData | DeployData | string;
  signature?: string;
}

export interface Transaction {
  readonly params: Readonly<TxParams>;
  /** SHA3-256 of the serialization; `0x` + hex of it is the ICON txHash. */
  readonly hash: Uint8Array;
  readonly from: `hx${string}`;
  readonly to: string;
  readonly value: bigint;
  readonly stepLimit: bigint;
  readonly timestamp: bigint;
  readonly nid: bigint;
  readonly nonce: bigint | undefined;
  readonly dataType: DataType | undefined;
  readonly signature: Uint8Array;
}

export interface TxLimits {
  /** Upper bound of the JSON size of one transaction, in bytes. */
  maxBytes: number;
}

export const DEFAULT_TX_LIMITS: TxLimits = { maxBytes: 1024 * 1024 };

export const DEPLOY_CONTENT_TYPES = ['application/javascript', 'application/zip'] as const;

const FIELDS = new Set([
  'version',
  'from',
  'to',
  'value',
  'stepLimit',
  'timestamp',
  'nid',
  'nonce',
  'dataType',
  'data',
  'signature',
]);
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const HEX_DATA = /^0x(?:[0-9a-f]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireString(obj: Record<string, unknown>, field: string, path = field): string {
  const v = obj[field];
  if (v === undefined) throw new TxError('MISSING_FIELD', `${path} is required`, path);
  if (typeof v !== 'string') throw new TxError('INVALID_FIELD', `${path} must be a string`, path);
  return v;
}

function hexInt(obj: Record<string, unknown>, field: string, optional: boolean): bigint | undefined {
  if (optional && obj[field] === undefined) return undefined;
  const raw = requireString(obj, field);
  const v = parseHexInt(raw);
  if (v === undefined) {
    throw new TxError('INVALID_FIELD', `${field} must be a 0x-prefixed lowercase hex integer`, field);
  }
  return v;
}

function checkParams(v: unknown, path: string): void {
  if (v === undefined) return;
  if (!isPlainObject(v)) throw new TxError('INVALID_FIELD', `${path} must be an object`, path);
  try {
    serializeTransaction({ p: v });
  } catch (e) {
    if (e instanceof SerializeError) throw new TxError('INVALID_FIELD', `${path}: ${e.message}`, path);
    throw e;
  }
}

function checkData(params: Record<string, unknown>, to: string): DataType | undefined {
  const dataType = params.dataType;
  const data = params.data;
  if (dataType === undefined) {
    if (data !== undefined) throw new TxError('MISSING_FIELD', 'data requires a dataType', 'dataType');
    return undefined;
  }
  if (dataType !== 'call' && dataType !== 'deploy' && dataType !== 'message') {
    throw new TxError('INVALID_FIELD', 'dataType must be one of call, deploy, message', 'dataType');
  }
  if (data === undefined)
    throw new TxError('MISSING_FIELD', `data is required for dataType ${dataType}`, 'data');
  if (dataType === 'message') {
    if (typeof data !== 'string' || !HEX_DATA.test(data) || data.length <= 2) {
      throw new TxError(
        'INVALID_FIELD',
        'data of a message must be non-empty 0x-prefixed lowercase hex bytes',
        'data',
      );
    }
    return dataType;
  }
  if (!isPlainObject(data))
    throw new TxError('INVALID_FIELD', `data of a ${dataType} must be an object`, 'data');
  if (!isScoreAddress(to))
    throw new TxError('INVALID_FIELD', `to of a ${dataType} must be a cx address`, 'to');
  const allowed = dataType === 'call' ? ['method', 'params'] : ['contentType', 'content', 'params'];
  for (const k of Object.keys(data)) {
    if (!allowed.includes(k))
      throw new TxError('UNKNOWN_FIELD', `data.${k} is not a field of ${dataType}`, `data.${k}`);
  }
  if (dataType === 'call') {
    const method = requireString(data, 'method', 'data.method');
    if (!METHOD_NAME.test(method))
      throw new TxError('INVALID_FIELD', 'data.method is not a method name', 'data.method');
  } else {
    const contentType = requireString(data, 'contentType', 'data.contentType');
    if (!(DEPLOY_CONTENT_TYPES as readonly string[]).includes(contentType)) {
      throw new TxError(
        'INVALID_FIELD',
        `data.contentType must be one of ${DEPLOY_CONTENT_TYPES.join(', ')}`,
        'data.contentType',
      );
    }
    const content = requireString(data, 'content', 'data.content');
    if (!HEX_DATA.test(content) || content.length <= 2) {
      throw new TxError(
        'INVALID_FIELD',
        'data.content must be non-empty 0x-prefixed hex bytes',
        'data.content',
      );
    }
  }
  checkParams(data.params, 'data.params');
  return dataType;
}

function decodeSignature(raw: string): Uint8Array {
  if (!BASE64.test(raw) || raw.length % 4 !== 0) {
    throw new TxError('INVALID_SIGNATURE', 'signature must be base64', 'signature');
  }
  const sig = new Uint8Array(Buffer.from(raw, 'base64'));
  if (sig.length !== 65) {
    throw new TxError(
      'INVALID_SIGNATURE',
      `signature must be 65 bytes (r, s, v), got ${sig.length}`,
      'signature',
    );
  }
  return sig;
}

/** Hash of the params (signature excluded) as ICON defines it. */
export function transactionHash(params: Readonly<Record<string, unknown>>): Uint8Array {
  return sha3_256(serializeTransaction(params));
}

/**
 * Validates the structure of a v3 transaction and computes its hash. Does not check the signature
 * (see `verifyTransaction`), the network id or the timestamp window, which depend on the node.
 */
export function parseTransaction(input: unknown, limits: TxLimits = DEFAULT_TX_LIMITS): Transaction {
  if (!isPlainObject(input)) throw new TxError('NOT_AN_OBJECT', 'a transaction must be a JSON object');
  const size = Buffer.byteLength(JSON.stringify(input));
  if (size > limits.maxBytes) {
    throw new TxError('TOO_LARGE', `transaction is ${size} bytes, more than the limit of ${limits.maxBytes}`);
  }
  for (const k of Object.keys(input)) {
    if (!FIELDS.has(k)) throw new TxError('UNKNOWN_FIELD', `${k} is not a field of a v3 transaction`, k);
  }
  if (requireString(input, 'version') !== '0x3') {
    throw new TxError('INVALID_FIELD', 'version must be 0x3', 'version');
  }
  const from = requireString(input, 'from');
  if (!isEoaAddress(from)) throw new TxError('INVALID_FIELD', 'from must be an hx address', 'from');
  const to = requireString(input, 'to');
  if (!isAddress(to)) throw new TxError('INVALID_FIELD', 'to must be an hx or cx address', 'to');
  const value = hexInt(input, 'value', true) ?? 0n;
  const stepLimit = hexInt(input, 'stepLimit', false)!;
  const timestamp = hexInt(input, 'timestamp', false)!;
  const nid = hexInt(input, 'nid', false)!;
  const nonce = hexInt(input, 'nonce', true);
  const dataType = checkData(input, to);
  const signature = decodeSignature(requireString(input, 'signature'));
  const params = input as unknown as TxParams;
  return {
    params,
    hash: transactionHash(params as unknown as Record<string, unknown>),
    from,
    to,
    value,
    stepLimit,
    timestamp,
    nid,
    nonce,
    dataType,
    signature,
  };
}

/** Recovers the signer and checks it is `from`. Throws INVALID_SIGNATURE or SIGNER_MISMATCH. */
export function verifyTransaction(tx: Transaction): void {
  let signer: string;
  try {
    signer = addressOfPoint(recoverPublicKey(tx.hash, tx.signature));
  } catch (e) {
    if (e instanceof SignatureError) throw new TxError('INVALID_SIGNATURE', e.message, 'signature');
    throw e;
  }
  if (signer !== tx.from) {
    throw new TxError('SIGNER_MISMATCH', `signed by ${signer}, not by from (${tx.from})`, 'signature');
  }
}

/** Signs unsigned params with a secp256k1 key; returns the params with `signature` set. */
export function signTransaction(params: Omit<TxParams, 'signature'>, privateKey: Uint8Array): TxParams {
  const hash = transactionHash(params as unknown as Record<string, unknown>);
  return { ...params, signature: Buffer.from(signRecoverable(hash, privateKey)).toString('base64') };
}

export function txHashHex(tx: Pick<Transaction, 'hash'>): string {
  return `0x${bytesToHex(tx.hash)}`;
}

/** The bytes of a transaction inside a block: canonical JSON of its params. */
export function encodeTransaction(tx: Pick<Transaction, 'params'>): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalJson(tx.params), 'utf8'));
}

/** Parses the bytes of `encodeTransaction`; malformed JSON or fields give a TxError. */
export function decodeTransaction(bytes: Uint8Array, limits: TxLimits = DEFAULT_TX_LIMITS): Transaction {
  if (bytes.length > limits.maxBytes) {
    throw new TxError(
      'TOO_LARGE',
      `transaction is ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new TxError('NOT_AN_OBJECT', 'transaction bytes are not UTF-8 JSON');
  }
  return parseTransaction(json, limits);
}
