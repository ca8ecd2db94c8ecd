/**
 * The SCORE SDK: what a contract in `contracts/` imports. It is bundled into each SCORE by esbuild and runs
 * inside the sandbox, where the only way out is the host bridge installed as `globalThis.__loopchain`
 * (see src/score/sandbox.ts). Nothing here may use Date, Math.random, timers, I/O or async code.
 *
 * Storage values are strings on the bridge; the containers encode the ICON types:
 * str as is, int as 0x-hex (bigint in code), bool as 0x1/0x0, bytes as 0x-hex, Address as hx…/cx…,
 * json as canonical JSON of plain data.
 */

/** The ICON parameter/return types of SCORE methods and storage values. */
export type IconType = 'str' | 'int' | 'bool' | 'bytes' | 'Address' | 'dict' | 'list';

export interface ParamSpec {
  readonly name: string;
  readonly type: IconType;
  /** Optional parameters may be omitted by the caller; the method receives undefined. */
  readonly optional?: boolean;
}

export interface MethodSpec {
  /** A readonly method may only read state; it serves icx_call and cannot be sent as a transaction. */
  readonly readonly: boolean;
  readonly params: readonly ParamSpec[];
  readonly returns?: IconType;
}

export interface EventSpec {
  /** Up to 3 indexed values, as in ICON. */
  readonly indexed: readonly ParamSpec[];
  readonly data: readonly ParamSpec[];
}

/** The static description every SCORE class declares; icx_getScoreApi is derived from it. */
export interface ScoreApi {
  readonly methods: Readonly<Record<string, MethodSpec>>;
  readonly events: Readonly<Record<string, EventSpec>>;
}

/** The deterministic context of one call: block data, transaction data, who calls. */
export interface ScoreContext {
  readonly channel: string;
  /** This SCORE's address (cx…). */
  readonly address: string;
  /** Height of the block being executed. */
  readonly height: bigint;
  /** Block timestamp, microseconds since the Unix epoch (the only clock a SCORE has). */
  readonly timestamp: bigint;
  /** Hash of the parent block (the block's own hash depends on the execution results). */
  readonly parentHash: string;
  /** 0x-hash of the transaction; undefined for a readonly query. */
  readonly txHash: string | undefined;
  /** The transaction's sender (hx…), or the calling SCORE; undefined for an anonymous query. */
  readonly sender: string | undefined;
}

/** The host bridge; installed by the sandbox prelude, unreachable from SCORE code except through this SDK. */
export interface Bridge {
  get(key: string): string | null;
  set(key: string, value: string | null): void;
  emit(event: string, indexed: readonly string[], data: readonly string[]): void;
  context(): ScoreContext;
  /** Privileged operations of system SCOREs (governance); the host refuses them for other SCOREs. */
  system(operation: string, argsJson: string): string;
  /** The per-block certificate issuer, for the certificate authority SCORE only (see `pki`). */
  pki(operation: string, argsJson: string): string;
  /** Readonly questions to the governance SCORE, for any SCORE (see `governance`). */
  governance(query: string, argsJson: string): string;
}

declare const __loopchain: Bridge;

function bridge(): Bridge {
  return __loopchain;
}

/** A failure the SCORE reports on purpose: the transaction fails with this code and message. */
export class ScoreRevert extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScoreRevert';
  }
}

export function revert(code: string, message: string): never {
  throw new ScoreRevert(code, message);
}

export function require_(condition: boolean, code: string, message: string): asserts condition {
  if (!condition) throw new ScoreRevert(code, message);
}

export type StoredType = 'str' | 'int' | 'bool' | 'bytes' | 'Address' | 'json';
type Stored<T extends StoredType> = T extends 'int'
  ? bigint
  : T extends 'bool'
    ? boolean
    : T extends 'json'
      ? unknown
      : string;

function encode(type: StoredType, value: unknown): string {
  switch (type) {
    case 'int':
      if (typeof value !== 'bigint') throw new TypeError('int values are bigint');
      return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
    case 'bool':
      return value === true ? '0x1' : '0x0';
    case 'json':
      return JSON.stringify(value);
    default:
      if (typeof value !== 'string') throw new TypeError(`${type} values are strings`);
      return value;
  }
}

function decode<T extends StoredType>(type: T, raw: string): Stored<T> {
  switch (type) {
    case 'int':
      return (raw.startsWith('-') ? -BigInt(raw.slice(1)) : BigInt(raw)) as Stored<T>;
    case 'bool':
      return (raw === '0x1') as Stored<T>;
    case 'json':
      return JSON.parse(raw) as Stored<T>;
    default:
      return raw as Stored<T>;
  }
}

/** Key layout under the SCORE's namespace: `<container id>|<kind>|<subkey>`; `|` is not allowed in ids. */
function key(id: string, kind: string, sub = ''): string {
  return `${id}|${kind}|${sub}`;
}

function checkId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new TypeError(`bad storage id '${id}'`);
  return id;
}

export class VarDB<T extends StoredType> {
  constructor(
    private readonly id: string,
    private readonly type: T,
  ) {
    checkId(id);
  }
  get(): Stored<T> | undefined {
    const raw = bridge().get(key(this.id, 'v'));
    return raw === null ? undefined : decode(this.type, raw);
  }
  set(value: Stored<T>): void {
    bridge().set(key(this.id, 'v'), encode(this.type, value));
  }
  remove(): void {
    bridge().set(key(this.id, 'v'), null);
  }
}

export class DictDB<T extends StoredType> {
  constructor(
    private readonly id: string,
    private readonly type: T,
  ) {
    checkId(id);
  }
  get(k: string): Stored<T> | undefined {
    const raw = bridge().get(key(this.id, 'd', k));
    return raw === null ? undefined : decode(this.type, raw);
  }
  has(k: string): boolean {
    return bridge().get(key(this.id, 'd', k)) !== null;
  }
  set(k: string, value: Stored<T>): void {
    bridge().set(key(this.id, 'd', k), encode(this.type, value));
  }
  remove(k: string): void {
    bridge().set(key(this.id, 'd', k), null);
  }
}

export class ArrayDB<T extends StoredType> {
  constructor(
    private readonly id: string,
    private readonly type: T,
  ) {
    checkId(id);
  }
  get length(): number {
    const raw = bridge().get(key(this.id, 'n'));
    return raw === null ? 0 : Number(BigInt(raw));
  }
  get(index: number): Stored<T> | undefined {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) return undefined;
    const raw = bridge().get(key(this.id, 'a', index.toString(16)));
    return raw === null ? undefined : decode(this.type, raw);
  }
  push(value: Stored<T>): void {
    const n = this.length;
    bridge().set(key(this.id, 'a', n.toString(16)), encode(this.type, value));
    bridge().set(key(this.id, 'n'), `0x${(n + 1).toString(16)}`);
  }
  set(index: number, value: Stored<T>): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length)
      throw new RangeError('index out of range');
    bridge().set(key(this.id, 'a', index.toString(16)), encode(this.type, value));
  }
  pop(): Stored<T> | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    const last = this.get(n - 1);
    bridge().set(key(this.id, 'a', (n - 1).toString(16)), null);
    bridge().set(key(this.id, 'n'), `0x${(n - 1).toString(16)}`);
    return last;
  }
}

/** Emits an event log into the receipt. Values are ICON strings (ints as 0x-hex, bools as 0x1/0x0). */
export function emit(event: string, indexed: readonly string[], data: readonly string[] = []): void {
  bridge().emit(event, indexed, data);
}

export function context(): ScoreContext {
  return bridge().context();
}

/**
 * A privileged operation, for the governance SCORE only (the host refuses it for any other SCORE, and the
 * transaction fails SYSTEM_FORBIDDEN): `approveDeployment {address, version}`, `rejectDeployment {address,
 * version, reason}`, `setValidators {fromHeight, validators}`. Integers go as 0x-hex strings (JSON has no
 * bigint). A refused operation fails the whole transaction even if the error is caught. Returns the host's
 * answer, parsed.
 */
export function system(operation: string, args: Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(bridge().system(operation, JSON.stringify(args)));
}

/**
 * The per-block issuing capability (DESIGN §6), for the chain's certificate authority SCORE only (the host
 * refuses it for any other SCORE: PKI_FORBIDDEN). Operations:
 * - `parseCsr {pem}` → `{ok: true, spki (hex), fingerprint, keyType}` or `{ok: false, code, message}` (a CSR
 *   error code such as BAD_POP);
 * - `issue {subjectId, firm, spki, validityDays, index}` → `{ok: true, serial (0x-hex), certificate (PEM), chain
 *   (PEM of the block issuer certificate), notAfter (0x-hex Unix seconds, inclusive)}` or `{ok: false, code, message}` for a rejected subject or validity.
 *   Signs on the proposer, checks the recorded signature on validators; a block without a block signer fails
 *   the transaction (PKI_UNAVAILABLE), a recorded issuance differing from this node's makes the block invalid;
 * - `hash {hex}` → `{sha256}` (hex);
 * - `logCheckpoint {}`, `logInclusion {leafIndex, treeSize}`, `logConsistency {size1, size2}` → the certificate
 *   log's `{ok: true, size, root}`, `{ok: true, leafIndex, treeSize, leafHash, proof}`, `{ok: true, proof}`
 *   (0x-hex) or `{ok: false, code: BAD_LOG_SIZE | BAD_LEAF_INDEX, message}` (src/score/pki-host.ts).
 * Integers go as numbers or 0x-hex strings; the answer is parsed JSON of strings and booleans.
 */
export function pki(operation: string, args: Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(bridge().pki(operation, JSON.stringify(args)));
}

/**
 * A readonly question to the governance SCORE: `hasRole {address, role}` → boolean, `getMember {address}` →
 * the member `{address, name, roles, admittedAt}` or null when the address is not a member,
 * `getResponderKeys {offset, limit}` (0x-hex, limit ≤ 100) → `{total, items: [{id, responder, publicKey, name,
 * status, registeredAt, retiredAt?}]}`.
 */
export function governance(query: string, args: Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(bridge().governance(query, JSON.stringify(args)));
}

/**
 * Base class of SCOREs. Subclasses declare `static readonly api: ScoreApi` and implement its methods; a method
 * receives its parameters positionally, in the order of its `params`. A new instance serves each call, so
 * instance fields hold no state between calls — storage containers do. A write method named `on_install`
 * runs once when a built-in SCORE is installed at genesis, with the genesis params; nothing else can call it.
 */
export abstract class Score {
  get ctx(): ScoreContext {
    return bridge().context();
  }
}
