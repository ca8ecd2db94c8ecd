/**
 * The SCORE Store as state: which SCOREs exist, every version of each with its code hash, deployer and
 * audit decision, and which version runs. These functions only read and write records; who may deploy and
 * who decides is checked by the executor (deploys) and the governance SCORE (decisions).
 *
 * Lifecycle of a version: pending (deployed, waiting for governance) → active (approved; the previously
 * active version becomes superseded) or rejected (with a reason). Built-in SCOREs are active from genesis.
 * Calls go to the active version; a SCORE with none fails SCORE_PENDING while a version waits, otherwise
 * SCORE_REJECTED. Records are canonical JSON, so every node writes the same bytes.
 */
import { canonicalJson } from '../codec/canonical-json.js';
import { sha3_256 } from '../codec/hash.js';
import { bytesToHex } from '../codec/hex.js';
import { isEoaAddress } from '../crypto/address.js';
import type { ScoreApiSpec } from './api.js';
import { failure, ScoreError, type Failure } from './errors.js';
import type { StateReader } from './overlay.js';
import { codeKey, scoreRecordKey, VALIDATOR_CHANGES_KEY, versionKey } from './state-layout.js';

export type VersionStatus = 'pending' | 'active' | 'rejected' | 'superseded';

export interface VersionRecord {
  readonly address: string;
  /** 1 for the first deployment, then +1 per deployment to the address. */
  readonly version: number;
  readonly codeHash: string;
  readonly deployer: string;
  /** The deploy transaction; null for a built-in installed at genesis. */
  readonly txHash: string | null;
  readonly height: number;
  readonly status: VersionStatus;
  /** Who approved (the sender of the governance transaction), or 'genesis'. */
  readonly approver?: string;
  readonly rejecter?: string;
  readonly reason?: string;
  /** Height of the approval or rejection. */
  readonly decidedHeight?: number;
  readonly api: ScoreApiSpec;
}

export interface ScoreRecord {
  readonly address: string;
  /** The deployer of version 1: may deploy new versions without being an admin. */
  readonly owner: string;
  readonly latest: number;
  readonly active: number | null;
}

export interface ValidatorChange {
  readonly fromHeight: number;
  readonly validators: readonly string[];
  /** The block and transaction that scheduled it. */
  readonly height: number;
  readonly txHash: string | null;
}

export interface StateWriter extends StateReader {
  set(key: string, value: string | null): void;
}

const MAX_REASON = 256;
const MAX_VALIDATORS = 256;

/**
 * Parsed records by their stored text, for one block's executor: the same text always parses to the same
 * (read-only) record, so a hit is exactly what JSON.parse would return, and a changed record misses.
 */
export type RecordCache = Map<string, unknown>;

function read<T>(state: StateReader, key: string, cache?: RecordCache): T | undefined {
  const raw = state.get(key);
  if (raw === undefined) return undefined;
  if (cache === undefined) return JSON.parse(raw) as T;
  let parsed = cache.get(raw);
  if (parsed === undefined) {
    parsed = JSON.parse(raw) as unknown;
    cache.set(raw, parsed);
  }
  return parsed as T;
}

function write(state: StateWriter, key: string, value: object): void {
  state.set(key, canonicalJson(value));
}

function invalidCall(message: string): never {
  throw new ScoreError('INVALID_SYSTEM_CALL', message);
}

/** `0x` + SHA3-256 of a bundle's bytes: the code hash of a version. */
export function codeHashOf(bytes: Uint8Array): string {
  return `0x${bytesToHex(sha3_256(bytes))}`;
}

/** `cx` + the last 20 bytes of SHA3-256(deployer's 20 bytes ‖ deploy tx hash). */
export function deriveScoreAddress(deployer: string, txHash: Uint8Array): string {
  if (!isEoaAddress(deployer)) throw new ScoreError('INVALID_ARGUMENT', 'the deployer must be an hx address');
  const input = new Uint8Array(52);
  input.set(Buffer.from(deployer.slice(2), 'hex'), 0);
  input.set(txHash, 20);
  return `cx${bytesToHex(sha3_256(input).subarray(12))}`;
}

export function readScore(state: StateReader, address: string, cache?: RecordCache): ScoreRecord | undefined {
  return read<ScoreRecord>(state, scoreRecordKey(address), cache);
}

export function readVersion(
  state: StateReader,
  address: string,
  version: number,
  cache?: RecordCache,
): VersionRecord | undefined {
  if (!Number.isSafeInteger(version) || version < 1) return undefined;
  return read<VersionRecord>(state, versionKey(address, version), cache);
}

export function readCode(state: StateReader, codeHash: string): string | undefined {
  return state.get(codeKey(codeHash));
}

/** Every version of a SCORE, oldest first; empty when there is no SCORE at the address. */
export function listVersions(state: StateReader, address: string): VersionRecord[] {
  const score = readScore(state, address);
  const out: VersionRecord[] = [];
  for (let v = 1; score !== undefined && v <= score.latest; v++) out.push(readVersion(state, address, v)!);
  return out;
}

/** The version calls go to, or why there is none (`cache`: records parsed before, see RecordCache). */
export function resolveActive(
  state: StateReader,
  address: string,
  cache?: RecordCache,
): VersionRecord | Failure {
  const score = readScore(state, address, cache);
  if (score === undefined) return failure('SCORE_NOT_FOUND', `no SCORE at ${address}`);
  if (score.active !== null) return readVersion(state, address, score.active, cache)!;
  const pending = listVersions(state, address).some((v) => v.status === 'pending');
  return pending
    ? failure('SCORE_PENDING', `the SCORE at ${address} waits for governance approval`)
    : failure('SCORE_REJECTED', `governance rejected the SCORE at ${address}`);
}

export interface NewVersion {
  readonly address: string;
  readonly code: string;
  readonly codeHash: string;
  readonly deployer: string;
  readonly txHash: string | null;
  readonly height: number;
  readonly api: ScoreApiSpec;
  /** Built-ins enter active ('genesis' approves them); deployments enter pending. */
  readonly genesis: boolean;
}

/** Records a new version (creating the SCORE record for version 1) and stores the code. */
export function addVersion(state: StateWriter, v: NewVersion): VersionRecord {
  const score = readScore(state, v.address);
  const version = (score?.latest ?? 0) + 1;
  const record: VersionRecord = {
    address: v.address,
    version,
    codeHash: v.codeHash,
    deployer: v.deployer,
    txHash: v.txHash,
    height: v.height,
    status: v.genesis ? 'active' : 'pending',
    ...(v.genesis ? { approver: 'genesis', decidedHeight: v.height } : {}),
    api: v.api,
  };
  write(state, versionKey(v.address, version), record);
  write(state, scoreRecordKey(v.address), {
    address: v.address,
    owner: score?.owner ?? v.deployer,
    latest: version,
    active: v.genesis ? version : (score?.active ?? null),
  } satisfies ScoreRecord);
  if (readCode(state, v.codeHash) === undefined) state.set(codeKey(v.codeHash), v.code);
  return record;
}

function pendingVersion(
  state: StateReader,
  address: unknown,
  version: unknown,
): [ScoreRecord, VersionRecord] {
  if (typeof address !== 'string') invalidCall('address must be a string');
  const score = readScore(state, address);
  const v = typeof version === 'string' && /^0x[0-9a-f]{1,8}$/.test(version) ? Number(version) : version;
  const record = typeof v === 'number' ? readVersion(state, address, v) : undefined;
  if (score === undefined || record === undefined) invalidCall(`no version ${String(version)} of ${address}`);
  if (record.status !== 'pending') invalidCall(`version ${record.version} of ${address} is ${record.status}`);
  return [score, record];
}

export interface Decision {
  /** The sender of the governance transaction. */
  readonly by: string;
  readonly height: number;
}

/** Makes a pending version active; the previously active one becomes superseded. */
export function approveVersion(
  state: StateWriter,
  address: unknown,
  version: unknown,
  d: Decision,
): VersionRecord {
  const [score, record] = pendingVersion(state, address, version);
  if (score.active !== null && record.version < score.active) {
    invalidCall(`version ${record.version} is older than the active version ${score.active}`);
  }
  if (score.active !== null) {
    const previous = readVersion(state, score.address, score.active)!;
    write(state, versionKey(score.address, previous.version), { ...previous, status: 'superseded' });
  }
  const approved: VersionRecord = { ...record, status: 'active', approver: d.by, decidedHeight: d.height };
  write(state, versionKey(score.address, record.version), approved);
  write(state, scoreRecordKey(score.address), { ...score, active: record.version });
  return approved;
}

export function rejectVersion(
  state: StateWriter,
  address: unknown,
  version: unknown,
  reason: unknown,
  d: Decision,
): VersionRecord {
  const [score, record] = pendingVersion(state, address, version);
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON) {
    invalidCall(`a rejection needs a reason of 1 to ${MAX_REASON} characters`);
  }
  const rejected: VersionRecord = {
    ...record,
    status: 'rejected',
    rejecter: d.by,
    reason,
    decidedHeight: d.height,
  };
  write(state, versionKey(score.address, record.version), rejected);
  return rejected;
}

export function readValidatorChanges(state: StateReader): ValidatorChange[] {
  return read<ValidatorChange[]>(state, VALIDATOR_CHANGES_KEY) ?? [];
}

/** Records a validator set that the node applies from `fromHeight` on (which must be a later height). */
export function scheduleValidators(
  state: StateWriter,
  args: { fromHeight?: unknown; validators?: unknown },
  at: { height: number; txHash: string | null },
): ValidatorChange {
  const raw = args.fromHeight;
  const fromHeight =
    typeof raw === 'string' && /^0x(?:0|[1-9a-f][0-9a-f]{0,12})$/.test(raw) ? Number(raw) : raw;
  if (typeof fromHeight !== 'number' || !Number.isSafeInteger(fromHeight) || fromHeight <= at.height) {
    invalidCall('fromHeight must be a height after the current block');
  }
  const { validators } = args;
  if (!Array.isArray(validators) || validators.length === 0 || validators.length > MAX_VALIDATORS) {
    invalidCall(`validators must be a list of 1 to ${MAX_VALIDATORS} hx addresses`);
  }
  if (!validators.every(isEoaAddress) || new Set(validators).size !== validators.length) {
    invalidCall('validators must be distinct hx addresses');
  }
  const change: ValidatorChange = { fromHeight, validators, height: at.height, txHash: at.txHash };
  write(state, VALIDATOR_CHANGES_KEY, [...readValidatorChanges(state), change]);
  return change;
}
