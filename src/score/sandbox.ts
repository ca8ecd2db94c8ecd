/**
 * One SCORE instance: a node:vm context with code generation disabled, the prelude (prelude.ts) and the
 * SCORE's bundle, run through precompiled scripts with a time limit.
 *
 * The host never reads a property of, or calls, a sandbox object outside a timed script: whatever comes back
 * is a string (JSON made inside the sandbox) and anything else is treated as a SCORE failure without being
 * touched, because reading it could run SCORE code with no time limit. The host function the prelude holds
 * never throws into the sandbox; refusals are recorded here and returned as `undefined`.
 *
 * An instance keeps its JS heap between calls, so module-level variables of a SCORE outlive a call. Instances
 * are therefore scoped to one block's execution (or one query) by the caller: every node starts each block
 * from a fresh instance and runs the same calls in the same order, so what a SCORE keeps in its heap is
 * deterministic within a block and never crosses into the next one. An instance that hit its time limit was
 * stopped at a point that differs between nodes, and is never used again.
 */
import vm from 'node:vm';
import { types } from 'node:util';
import { parseApiJson, type ScoreApiSpec } from './api.js';
import { checkScoreCode } from './code-check.js';
import { failure, ScoreError, type Failure } from './errors.js';
import { PRELUDE_SOURCE, SCORE_GLOBAL, WITHHELD_GLOBALS, WITHHELD_LABELS } from './prelude.js';
import type { ScoreLimits } from './limits.js';
import type { TypedArg } from './params.js';
import type { IconType } from './sdk/index.js';
import { decodeOutcome, type InvokeOutcome } from './invoke-outcome.js';
import type { SharedWatchdog } from './time-limit.js';

export type { InvokeOutcome } from './invoke-outcome.js';

/** What the executor provides to one call. A method throws `Refusal` to refuse; the call then fails with it. */
export interface CallHost {
  get(key: string): string | null;
  set(key: string, value: string | null): void;
  emit(event: string, indexed: readonly string[], data: readonly string[]): void;
  system(operation: string, argsJson: string): string;
  pki(operation: string, argsJson: string): string;
  governance(query: string, argsJson: string): string;
}

export class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** The deterministic context of a call as the host hands it to the prelude. */
export interface ContextData {
  readonly channel: string;
  readonly address: string;
  readonly height: number;
  readonly timestamp: bigint;
  readonly parentHash: string;
  readonly txHash: string | undefined;
  readonly sender: string | undefined;
}

export interface InvokeRequest {
  readonly method: string;
  readonly args: readonly TypedArg[];
  readonly returns: IconType | undefined;
  readonly context: ContextData;
}

interface ActiveRun {
  readonly phase: 'load' | 'call';
  readonly host: CallHost | undefined;
  readonly begin: string | undefined;
  violation: Failure | undefined;
  internal: unknown;
}

const CONTEXT_OPTIONS = {
  codeGeneration: { strings: false, wasm: false },
  microtaskMode: 'afterEvaluate',
} as const;
const preludeScript = new vm.Script(PRELUDE_SOURCE, { filename: 'loopchain:prelude' });
// `this` at a script's top level is the global object: unlike an identifier, no SCORE binding can shadow it.
const loadScript = new vm.Script('this.__loopchain_load()', { filename: 'loopchain:load' });
const invokeScript = new vm.Script('this.__loopchain_invoke()', { filename: 'loopchain:invoke' });

/** Room for the JSON around a result in the sandbox's answer. */
const OUTCOME_OVERHEAD = 4096;
/** Largest JSON the sandbox may hand to emit or system. */
const MAX_BRIDGE_JSON = 1024 * 1024;

/** Compiled, checked bundles by code hash. Compiling is the expensive part of loading and is pure. */
const compiled = new Map<string, vm.Script>();
const MAX_COMPILED = 128;

function compile(code: string, codeHash: string): vm.Script {
  const hit = compiled.get(codeHash);
  if (hit !== undefined) return hit;
  checkScoreCode(code);
  let script: vm.Script;
  try {
    script = new vm.Script(code, { filename: `score:${codeHash}` });
  } catch {
    throw new ScoreError('DEPLOY_INVALID', 'the SCORE code does not compile');
  }
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(codeHash, script);
  return script;
}

/**
 * Node raises the timeout as an error of the sandbox's realm, so only its own `code` data property is read
 * (reading through its prototype chain could run SCORE accessors outside any time limit).
 */
function isTimeout(e: unknown, elapsedMs: number, timeoutMs: number): boolean {
  if (elapsedMs >= timeoutMs) return true;
  if (!types.isNativeError(e)) return false;
  return Object.getOwnPropertyDescriptor(e, 'code')?.value === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

function isHostError(e: unknown): boolean {
  return types.isNativeError(e) && e instanceof Error;
}

/** A script run that threw out of the sandbox; `thrown` may be a sandbox value and is not to be touched. */
class CutShort {
  constructor(
    readonly thrown: unknown,
    readonly timedOut: boolean,
  ) {}
}

/** Records the first violation of a run (sticky) and answers the SCORE with a refusal. */
function refuseRun(run: ActiveRun, f: Failure): undefined {
  run.violation ??= f;
  return undefined;
}

const oversized = (x: unknown): boolean => typeof x === 'string' && x.length > MAX_BRIDGE_JSON;

export class ScoreInstance {
  private run: ActiveRun | undefined;
  private usable = true;
  readonly api: ScoreApiSpec;

  private constructor(
    private readonly context: vm.Context,
    private readonly limits: ScoreLimits,
    code: string,
    codeHash: string,
    timeoutMs: number,
    shared: SharedWatchdog | undefined,
  ) {
    const script = compile(code, codeHash);
    const install = preludeScript.runInContext(context) as (
      host: (op: unknown, a: unknown, b: unknown) => string | null | undefined,
      scoreGlobal: string,
      withheld: readonly string[],
    ) => void;
    // The withheld names go in as a sandbox array (JSON made there), never as a host array.
    install(this.dispatch, SCORE_GLOBAL, vm.runInContext(JSON.stringify(WITHHELD_GLOBALS), context));
    this.api = this.load(script, timeoutMs, shared);
  }

  /**
   * Creates a context, runs the prelude and the bundle, and reads the api. Throws ScoreError on failure.
   * `shared`: while it is active, runs take its watchdog instead of their own (time-limit.ts).
   */
  static load(
    code: string,
    codeHash: string,
    limits: ScoreLimits,
    timeoutMs: number,
    shared?: SharedWatchdog,
  ): ScoreInstance {
    const context = vm.createContext(Object.create(null), { ...CONTEXT_OPTIONS, name: `score:${codeHash}` });
    return new ScoreInstance(context, limits, code, codeHash, timeoutMs, shared);
  }

  /** False once a run was cut short: its heap is in a state other nodes may not share. */
  get isUsable(): boolean {
    return this.usable;
  }

  invoke(request: InvokeRequest, host: CallHost, timeoutMs: number, shared?: SharedWatchdog): InvokeOutcome {
    if (!this.usable) return { ok: false, failure: failure('INTERNAL', 'internal error') };
    const c = request.context;
    // Spelled out rather than spread: this runs for every call (same fields and order as the request).
    const begin = JSON.stringify({
      method: request.method,
      args: request.args,
      returns: request.returns ?? null,
      context: {
        channel: c.channel,
        address: c.address,
        height: `0x${c.height.toString(16)}`,
        timestamp: `0x${c.timestamp.toString(16)}`,
        parentHash: c.parentHash,
        txHash: c.txHash ?? null,
        sender: c.sender ?? null,
      },
    });
    const run: ActiveRun = { phase: 'call', host, begin, violation: undefined, internal: undefined };
    let raw: unknown;
    try {
      raw = this.timed(invokeScript, run, timeoutMs, shared);
    } catch (e) {
      return this.cutShort(e, run);
    }
    if (run.violation !== undefined) return { ok: false, failure: run.violation, internal: run.internal };
    if (typeof raw !== 'string') {
      this.usable = false;
      return { ok: false, failure: failure('SCORE_ERROR', 'the SCORE interfered with the runtime') };
    }
    if (raw.length > this.limits.maxResultLength + OUTCOME_OVERHEAD) {
      return { ok: false, failure: failure('LIMIT_EXCEEDED', 'the result is larger than the limit') };
    }
    return decodeOutcome(raw);
  }

  private load(script: vm.Script, timeoutMs: number, shared: SharedWatchdog | undefined): ScoreApiSpec {
    const run: ActiveRun = {
      phase: 'load',
      host: undefined,
      begin: undefined,
      violation: undefined,
      internal: undefined,
    };
    let raw: unknown;
    try {
      this.timed(script, run, timeoutMs, shared);
      raw = this.timed(loadScript, run, timeoutMs, shared);
    } catch (e) {
      const outcome = this.cutShort(e, run);
      throw ScoreError.from(outcome.ok ? failure('INTERNAL', 'internal error') : outcome.failure);
    }
    if (run.violation !== undefined) throw ScoreError.from(run.violation);
    if (typeof raw !== 'string')
      throw new ScoreError('DEPLOY_INVALID', 'the SCORE code interfered with loading');
    let parsed: { error?: unknown };
    try {
      parsed = JSON.parse(raw) as { error?: unknown };
    } catch {
      throw new ScoreError('DEPLOY_INVALID', 'the SCORE code interfered with loading');
    }
    if (typeof parsed.error === 'string') throw new ScoreError('DEPLOY_INVALID', parsed.error);
    return parseApiJson(raw);
  }

  /**
   * Runs a script with a budget of `timeoutMs`: under its own watchdog, or — while `shared` is active — under
   * the batch's, measuring the budget when the run returns. A run over budget under a shared watchdog is cut
   * short as a time limit and marks the watchdog overrun (its attempt is redone with a watchdog per run).
   */
  private timed(
    script: vm.Script,
    run: ActiveRun,
    timeoutMs: number,
    shared: SharedWatchdog | undefined,
  ): unknown {
    this.run = run;
    const timeout = Math.max(1, Math.ceil(timeoutMs));
    const own = shared === undefined || !shared.active;
    const start = performance.now();
    try {
      const result = own
        ? script.runInContext(this.context, { timeout, breakOnSigint: false })
        : script.runInContext(this.context, { breakOnSigint: false });
      if (!own && performance.now() - start >= timeout) {
        shared!.markOverrun();
        throw new CutShort(undefined, true);
      }
      return result;
    } catch (e) {
      if (e instanceof CutShort) throw e;
      const timedOut = isTimeout(e, performance.now() - start, timeout);
      if (timedOut && !own) shared!.markOverrun();
      throw new CutShort(e, timedOut);
    } finally {
      this.run = undefined;
    }
  }

  /** A run that threw out of the sandbox: a time limit, a host bug, or a SCORE that broke the prelude. */
  private cutShort(e: unknown, run: ActiveRun): InvokeOutcome {
    this.usable = false;
    if (!(e instanceof CutShort)) throw e;
    if (e.timedOut)
      return { ok: false, failure: failure('TIME_LIMIT', 'the execution time limit was reached') };
    if (run.violation !== undefined) return { ok: false, failure: run.violation, internal: run.internal };
    if (isHostError(e.thrown))
      return { ok: false, failure: failure('INTERNAL', 'internal error'), internal: e.thrown };
    const what =
      run.phase === 'load' ? 'the SCORE code threw while loading' : 'the SCORE broke out of its call';
    return { ok: false, failure: failure(run.phase === 'load' ? 'DEPLOY_INVALID' : 'SCORE_ERROR', what) };
  }

  /** The one host function inside the sandbox. Never throws; `undefined` means refused. */
  private readonly dispatch = (op: unknown, a: unknown, b: unknown): string | null | undefined => {
    const run = this.run;
    if (run === undefined) return undefined;
    // No closures here: this runs for every bridge call, and each closure costs (tsx names every one).
    try {
      switch (op) {
        case 'begin':
          return run.begin;
        case 'forbidden': {
          const label = typeof a === 'string' && WITHHELD_LABELS.has(a) ? a : 'a withheld capability';
          return refuseRun(run, failure('NON_DETERMINISTIC', `${label} is not available to SCOREs`));
        }
        case 'late':
          return refuseRun(
            run,
            run.phase === 'load'
              ? failure('DEPLOY_INVALID', 'the SCORE code used the bridge while loading')
              : failure('ASYNC_RESULT', 'the SCORE used the bridge after its method returned'),
          );
      }
      const host = run.host;
      if (host === undefined)
        return refuseRun(run, failure('DEPLOY_INVALID', 'the SCORE code used the bridge while loading'));
      if (op === 'get' && typeof a === 'string') return host.get(a);
      if (op === 'set' && typeof a === 'string' && (b === null || typeof b === 'string')) {
        host.set(a, b);
        return null;
      }
      const json = op === 'emit' || op === 'system' || op === 'pki' || op === 'governance';
      if (json && (oversized(a) || oversized(b))) {
        return refuseRun(run, failure('LIMIT_EXCEEDED', `the ${op} arguments are larger than the limit`));
      }
      if (op === 'emit' && typeof a === 'string') {
        const [event, indexed, data] = JSON.parse(a) as [string, string[], string[]];
        host.emit(event, indexed, data);
        return null;
      }
      if (op === 'system' && typeof a === 'string' && typeof b === 'string') return host.system(a, b);
      if (op === 'pki' && typeof a === 'string' && typeof b === 'string') return host.pki(a, b);
      if (op === 'governance' && typeof a === 'string' && typeof b === 'string') return host.governance(a, b);
      return refuseRun(run, failure('INTERNAL', 'internal error'));
    } catch (e) {
      if (e instanceof Refusal) return refuseRun(run, e.failure);
      run.internal ??= e;
      return refuseRun(run, failure('INTERNAL', 'internal error'));
    }
  };
}
