/**
 * Runs SCORE methods for one block (or one query): resolves the active version, checks the method and its
 * parameters against the stored api, runs it in a sandbox instance, and serves the bridge — storage under the
 * SCORE's namespace, events checked against the api, and the system operations of the governance SCORE.
 *
 * Instances live as long as the Executor, i.e. one block: see sandbox.ts for why that keeps SCORE heaps
 * deterministic. Every refusal of the bridge is sticky: the call fails with it even if the SCORE catches it.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { bytesToHex } from '../codec/hex.js';
import { eventSignature, findEvent, findMethod, INSTALL_METHOD, type ScoreApiSpec } from './api.js';
import { failure, ScoreError, type Failure } from './errors.js';
import { resolveLimits, type ScoreLimits } from './limits.js';
import { checkResult, convertParams, isIconValueOfType } from './params.js';
import type { EventLog } from './receipt.js';
import { Refusal, ScoreInstance, type CallHost, type ContextData } from './sandbox.js';
import {
  approveVersion,
  readCode,
  rejectVersion,
  resolveActive,
  scheduleValidators,
  type RecordCache,
  type StateWriter,
  type ValidatorChange,
  type VersionRecord,
} from './score-store.js';
import { scoreStorageKey } from './state-layout.js';
import type { BlockSigner } from '../pki/block-issuer.js';
import type { BlockIssuerError } from '../pki/errors.js';
import type { PopChecked } from '../pki/csr.js';
import { pkiOperation } from './pki-host.js';
import { governanceQuery } from './governance-query.js';
import type { SharedWatchdog } from './time-limit.js';

/** What execution needs to know about the block beyond its transactions. */
export interface BlockContext {
  readonly channel: string;
  readonly height: number;
  /** Block timestamp in microseconds: the only clock SCOREs have. */
  readonly timestamp: bigint;
  /** The parent block's hash; empty for genesis. */
  readonly parentHash: Uint8Array;
  /** The governance SCORE (chain config): the one SCORE allowed to use system operations. */
  readonly governanceAddress: string;
  readonly limits?: Partial<ScoreLimits>;
  /** The certificate authority SCORE (chain config): the one SCORE allowed to use `pki`. */
  readonly certificateAuthorityAddress?: string;
  /** The block's certificate issuer (proposer: signs; validator: checks the block's record). */
  readonly blockSigner?: BlockSigner;
  /**
   * Proofs of possession of the block's CSRs checked ahead on another thread (block-prechecks.ts). Optional: it
   * only saves work, and results are the same without it.
   */
  readonly popChecked?: PopChecked;
}

export interface CallRequest {
  readonly address: string;
  readonly method: string;
  readonly params?: Readonly<Record<string, IconValue>>;
  readonly sender?: string;
  readonly txHash?: string;
  /** tx: a write method of a transaction; query: a readonly method (icx_call); install: on_install at genesis. */
  readonly origin: 'tx' | 'query' | 'install';
}

export type CallResult =
  | {
      readonly ok: true;
      readonly result: IconValue | null;
      readonly events: readonly EventLog[];
      readonly validatorChanges: readonly ValidatorChange[];
    }
  | { readonly ok: false; readonly failure: Failure; readonly internal?: unknown };

/** A monotonic clock for time budgets (not a SCORE-visible clock). */
export type Now = () => number;

/** String.prototype.isWellFormed (ES2024; Node 20): no lone surrogate — what /^[^\p{Cs}]*$/u tests, faster. */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

export class Executor {
  readonly limits: ScoreLimits;
  private readonly instances = new Map<string, ScoreInstance>();
  /** SCORE and version records parsed in this block (score-store.ts RecordCache). */
  private readonly records: RecordCache = new Map();
  private readonly parentHash: string;
  /** The first block fault (a recorded issuance that differs from this node's): the block is invalid. */
  blockFault: BlockIssuerError | undefined;
  /**
   * Answers of the readonly `governance` bridge queries in this block, keyed by query and arguments
   * (governance-query.ts). Governance state changes only through a non-query call into the governance SCORE or
   * a deploy: both clear it, and while such a call runs (its writes not yet final) nothing is cached or reused.
   */
  private readonly governanceAnswers = new Map<string, string>();
  private governanceWriting = 0;
  /**
   * The batch watchdog of a block attempt (time-limit.ts), if any: while it is active, sandbox runs take it
   * instead of a watchdog of their own, and reaching a time limit marks it overrun.
   */
  watchdog: SharedWatchdog | undefined;
  private readonly recordFault = (e: BlockIssuerError): void => {
    this.blockFault ??= e;
  };

  constructor(
    readonly ctx: BlockContext,
    readonly now: Now = () => performance.now(),
  ) {
    this.limits = resolveLimits(ctx.limits);
    this.parentHash = `0x${bytesToHex(ctx.parentHash)}`;
  }

  /** A deadline `timeLimitMs` from now, for one transaction or query. */
  deadline(): number {
    return this.now() + this.limits.timeLimitMs;
  }

  remaining(deadline: number): number {
    const left = deadline - this.now();
    if (left <= 0 && this.watchdog?.active === true) this.watchdog.markOverrun();
    return left;
  }

  /** Loads (or reuses) the instance of a version. Throws ScoreError when the code does not load in time. */
  instance(version: VersionRecord, code: string, deadline: number): ScoreInstance {
    const key = `${version.address}|${version.codeHash}`;
    const cached = this.instances.get(key);
    if (cached?.isUsable) return cached;
    const left = this.remaining(deadline);
    if (left <= 0) throw new ScoreError('TIME_LIMIT', 'the execution time limit was reached');
    const created = ScoreInstance.load(code, version.codeHash, this.limits, left, this.watchdog);
    this.instances.set(key, created);
    return created;
  }

  /** A cached governance answer, or computes, caches and returns it (not while governance is being written). */
  governanceAnswer(key: string, compute: () => string): string {
    if (this.governanceWriting > 0) return compute();
    const hit = this.governanceAnswers.get(key);
    if (hit !== undefined) return hit;
    const answer = compute();
    if (this.governanceWriting === 0) this.governanceAnswers.set(key, answer);
    return answer;
  }

  /** Forgets every cached governance answer (governance state may have changed). */
  invalidateGovernanceAnswers(): void {
    this.governanceAnswers.clear();
  }

  /** Runs one method. `state` takes the writes (a transaction overlay, or a scratch overlay for queries). */
  call(state: StateWriter, req: CallRequest, deadline: number): CallResult {
    if (req.address !== this.ctx.governanceAddress || req.origin === 'query') {
      return this.callScore(state, req, deadline);
    }
    // A call that may write governance state: answers cached before it may be stale, and so may any made
    // during it (a failed transaction's writes are dropped).
    this.governanceAnswers.clear();
    this.governanceWriting++;
    try {
      return this.callScore(state, req, deadline);
    } finally {
      this.governanceWriting--;
      this.governanceAnswers.clear();
    }
  }

  private callScore(state: StateWriter, req: CallRequest, deadline: number): CallResult {
    const version = resolveActive(state, req.address, this.records);
    if (!('version' in version)) return { ok: false, failure: version };
    const { api } = version;
    const method = findMethod(api, req.method);
    if (method === undefined || (req.method === INSTALL_METHOD) !== (req.origin === 'install')) {
      return fail('METHOD_NOT_FOUND', `the SCORE has no method '${req.method.slice(0, 64)}'`);
    }
    if (req.origin === 'tx' && method.readonly) {
      return fail('METHOD_READONLY', `${req.method} is readonly: call it with icx_call`);
    }
    if (req.origin === 'query' && !method.readonly) {
      return fail('METHOD_NOT_READONLY', `${req.method} writes state: send it as a transaction`);
    }
    const args = convertParams(req.method, method, req.params);
    if (!Array.isArray(args)) return { ok: false, failure: args as Failure };
    const code = readCode(state, version.codeHash);
    if (code === undefined) return fail('INTERNAL', 'internal error');
    let instance: ScoreInstance;
    try {
      instance = this.instance(version, code, deadline);
    } catch (e) {
      if (e instanceof ScoreError) return { ok: false, failure: e.toFailure() };
      throw e;
    }
    const left = this.remaining(deadline);
    if (left <= 0) return fail('TIME_LIMIT', 'the execution time limit was reached');
    const events: EventLog[] = [];
    const validatorChanges: ValidatorChange[] = [];
    const host = this.host(state, req, api, events, validatorChanges, deadline);
    const outcome = instance.invoke(
      { method: req.method, args, returns: method.returns, context: this.context(req) },
      host,
      left,
      this.watchdog,
    );
    if (!outcome.ok) return outcome;
    const checked = checkResult(req.method, method.returns, outcome.result);
    if (!checked.ok) return checked;
    if (JSON.stringify(checked.value).length > this.limits.maxResultLength) {
      return fail('LIMIT_EXCEEDED', 'the result is larger than the limit');
    }
    return { ok: true, result: checked.value, events, validatorChanges };
  }

  private context(req: CallRequest): ContextData {
    return {
      channel: this.ctx.channel,
      address: req.address,
      height: this.ctx.height,
      timestamp: this.ctx.timestamp,
      parentHash: this.parentHash,
      txHash: req.txHash,
      sender: req.sender,
    };
  }

  private host(
    state: StateWriter,
    req: CallRequest,
    api: ScoreApiSpec,
    events: EventLog[],
    changes: ValidatorChange[],
    deadline: number,
  ): CallHost {
    const limits = this.limits;
    const readonly = req.origin === 'query';
    const checkKey = (key: string): string => {
      if (key.length > limits.maxKeyLength)
        refuse('LIMIT_EXCEEDED', 'a storage key is longer than the limit');
      if (!wellFormed(key)) refuse('SCORE_ERROR', 'storage keys must be well-formed Unicode');
      return scoreStorageKey(req.address, key);
    };
    const checkWrite = (what: string): void => {
      if (readonly) refuse('READONLY_WRITE', `a readonly call cannot ${what}`);
    };
    return {
      get: (key) => state.get(checkKey(key)) ?? null,
      set: (key, value) => {
        checkWrite('write state');
        const full = checkKey(key);
        if (value !== null && value.length > limits.maxValueLength) {
          refuse('LIMIT_EXCEEDED', 'a storage value is longer than the limit');
        }
        if (value !== null && !wellFormed(value)) {
          refuse('SCORE_ERROR', 'storage values must be well-formed Unicode');
        }
        state.set(full, value);
      },
      emit: (name, indexed, data) => {
        checkWrite('emit events');
        const spec = typeof name === 'string' ? findEvent(api, name) : undefined;
        if (spec === undefined)
          refuse('INVALID_EVENT', `event '${String(name).slice(0, 64)}' is not declared`);
        if (!Array.isArray(indexed) || !Array.isArray(data)) refuse('INVALID_EVENT', 'malformed event');
        if (indexed.length !== spec.indexed.length || data.length !== spec.data.length) {
          refuse(
            'INVALID_EVENT',
            `event ${name} takes ${spec.indexed.length} indexed and ${spec.data.length} data values`,
          );
        }
        const values = [...indexed, ...data];
        const params = [...spec.indexed, ...spec.data];
        for (let i = 0; i < params.length; i++) {
          const p = params[i]!;
          const v: unknown = values[i];
          if (!isIconValueOfType(p.type, v))
            refuse('INVALID_EVENT', `event ${name}: ${p.name} is not a valid ${p.type}`);
          if ((v as string).length > limits.maxEventValueLength)
            refuse('LIMIT_EXCEEDED', 'an event value is too long');
        }
        if (events.length >= limits.maxEventsPerCall) refuse('LIMIT_EXCEEDED', 'too many events in one call');
        events.push({
          scoreAddress: req.address,
          indexed: [eventSignature(name, spec), ...indexed],
          data: [...data],
        });
      },
      system: (operation, argsJson) => {
        if (req.address !== this.ctx.governanceAddress) {
          refuse('SYSTEM_FORBIDDEN', 'only the governance SCORE can use system operations');
        }
        checkWrite('use system operations');
        return this.system(state, req, operation, argsJson, changes);
      },
      pki: (operation, argsJson) => {
        const ca = this.ctx.certificateAuthorityAddress;
        if (ca === undefined || req.address !== ca) {
          refuse('PKI_FORBIDDEN', 'only the certificate authority SCORE can use pki operations');
        }
        return pkiOperation(
          {
            channel: this.ctx.channel,
            height: this.ctx.height,
            timestamp: this.ctx.timestamp,
            parentHash: this.ctx.parentHash,
            signer: this.ctx.blockSigner,
            ...(this.ctx.popChecked === undefined ? {} : { popChecked: this.ctx.popChecked }),
            txHash: req.txHash,
            readonly,
            state,
            fault: this.recordFault,
          },
          operation,
          argsJson,
        );
      },
      governance: (query, argsJson) => governanceQuery(this, state, req, query, argsJson, deadline),
    };
  }

  /** The governance SCORE's privileged operations. Returns the JSON handed back to the SCORE. */
  private system(
    state: StateWriter,
    req: CallRequest,
    operation: string,
    argsJson: string,
    changes: ValidatorChange[],
  ): string {
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(argsJson);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError();
      args = parsed as Record<string, unknown>;
    } catch {
      throw new Refusal(
        failure('INVALID_SYSTEM_CALL', `${operation.slice(0, 40)}: the arguments are not a JSON object`),
      );
    }
    const decision = { by: req.sender ?? this.ctx.governanceAddress, height: this.ctx.height };
    try {
      switch (operation) {
        case 'approveDeployment': {
          const v = approveVersion(state, args.address, args.version, decision);
          return JSON.stringify({ address: v.address, version: v.version, status: v.status });
        }
        case 'rejectDeployment': {
          const v = rejectVersion(state, args.address, args.version, args.reason, decision);
          return JSON.stringify({ address: v.address, version: v.version, status: v.status });
        }
        case 'setValidators': {
          const change = scheduleValidators(state, args, {
            height: this.ctx.height,
            txHash: req.txHash ?? null,
          });
          changes.push(change);
          return JSON.stringify({ fromHeight: change.fromHeight });
        }
        default:
          throw new ScoreError('INVALID_SYSTEM_CALL', `unknown system operation '${operation.slice(0, 40)}'`);
      }
    } catch (e) {
      if (e instanceof ScoreError) throw new Refusal(e.toFailure());
      throw e;
    }
  }
}

function refuse(code: Failure['code'], message: string): never {
  throw new Refusal(failure(code, message));
}

function fail(code: Failure['code'], message: string): CallResult {
  return { ok: false, failure: failure(code, message) };
}
