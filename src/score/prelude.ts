/**
 * The prelude: JavaScript that runs inside every SCORE's vm context before the SCORE's own code. It is a
 * string, not a function of this module, because the host's TypeScript is transpiled with helpers that do not
 * exist in the sandbox.
 *
 * The prelude receives ONE host function, `host(op, a, b)`, which takes and returns only strings and null
 * (undefined = refused), keeps it in its closure and builds everything the SCORE can reach out of the
 * sandbox's own intrinsics: the bridge `__loopchain`, the call context, parameter values and errors. Host
 * errors never cross: every host call is wrapped and a refusal becomes a sandbox-realm error. The SCORE
 * therefore never holds a host-realm object, and no constructor chain leads out of its realm.
 *
 * It also withholds what would make execution non-deterministic or escape the sandbox. Each withheld global
 * or method becomes an accessor that reports the use to the host — which fails the call even when the SCORE
 * catches the error — and then throws.
 */
import { PRELUDE_CALLS } from './prelude-calls.js';

/** The global the bundler assigns the SCORE module to (esbuild `globalName`). */
export const SCORE_GLOBAL = '__score';

/** Globals withheld from SCOREs: clock, locale, GC observation, shared memory, wasm, code generation, async. */
export const WITHHELD_GLOBALS = [
  'Date',
  'Intl',
  'WeakRef',
  'FinalizationRegistry',
  'SharedArrayBuffer',
  'Atomics',
  'WebAssembly',
  'eval',
  'Function',
  'Promise',
] as const;

/** Labels the prelude may report through `host('forbidden', label)`. */
export const WITHHELD_LABELS: ReadonlySet<string> = new Set<string>([
  ...WITHHELD_GLOBALS,
  'Math.random',
  'Function constructor',
  'localeCompare',
  'toLocaleUpperCase',
  'toLocaleLowerCase',
  'toLocaleString',
  'Array.fromAsync',
]);

/** The whole prelude: withholding and the bridge here, loading and calls from prelude-calls.ts. */
export const PRELUDE_SOURCE = String.raw`
(function loopchainPrelude(host, scoreGlobal, withheldGlobals) {
  'use strict';
  const g = globalThis;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyNames = Object.getOwnPropertyNames;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const freeze = Object.freeze;
  const objectKeys = Object.keys;
  const ObjectPrototype = Object.prototype;
  const reflectApply = Reflect.apply;
  const isArray = Array.isArray;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;
  const BigIntFn = BigInt;
  const bigintToString = BigInt.prototype.toString;
  const stringSlice = String.prototype.slice;
  const isSafeInteger = Number.isSafeInteger;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const ERROR_CLASSES = [
    [TypeError, 'TypeError'], [RangeError, 'RangeError'], [ReferenceError, 'ReferenceError'],
    [SyntaxError, 'SyntaxError'], [EvalError, 'EvalError'], [URIError, 'URIError'],
    [AggregateError, 'AggregateError'], [Error, 'Error'],
  ];

  class Refusal extends ErrorCtor {}
  class ResultError extends ErrorCtor {
    constructor(code, message) { super(message); this.code = code; }
  }

  let open = false;
  let refusedInCall = false;
  let callContext = undefined;
  let ScoreClass = undefined;

  function refuse(message) {
    refusedInCall = true;
    return new Refusal(message);
  }
  function callHost(op, a, b) {
    let r;
    try { r = host(op, a, b); } catch { r = undefined; }
    if (r === undefined) throw refuse('the host refused this operation');
    return r;
  }
  function report(op, label) {
    try { host(op, label, null); } catch {}
  }

  // 1. Withhold non-deterministic and escaping capabilities.
  function forbid(label) {
    return function () {
      report('forbidden', label);
      throw refuse(label + ' is not available to SCOREs');
    };
  }
  function withhold(obj, name, label) {
    const d = getOwnPropertyDescriptor(obj, name);
    if (d === undefined || !d.configurable) return;
    defineProperty(obj, name, { get: forbid(label), enumerable: false, configurable: false });
  }
  const functionPrototypes = [
    getPrototypeOf(function () {}),
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function () {}),
    getPrototypeOf(async function* () {}),
  ];
  for (const p of functionPrototypes) withhold(p, 'constructor', 'Function constructor');
  withhold(String.prototype, 'localeCompare', 'localeCompare');
  withhold(String.prototype, 'toLocaleUpperCase', 'toLocaleUpperCase');
  withhold(String.prototype, 'toLocaleLowerCase', 'toLocaleLowerCase');
  for (const p of [Number.prototype, BigInt.prototype, Array.prototype, getPrototypeOf(Uint8Array.prototype)]) {
    withhold(p, 'toLocaleString', 'toLocaleString');
  }
  withhold(Array, 'fromAsync', 'Array.fromAsync');
  // Stack traces name host files and lines; with no frames an error's stack is only "Name: message"
  // (Error.captureStackTrace stays: with no frames it is harmless, and libraries call it).
  defineProperty(Error, 'stackTraceLimit', { value: 0, writable: false, enumerable: false, configurable: false });
  defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, enumerable: false, configurable: false });
  // Node creates its timeout error in this realm and assigns its 'code' from C++, outside any time limit:
  // a SCORE accessor there would run unbounded (or abort the process by throwing). A fixed data property
  // on Error.prototype makes that assignment create an own property instead.
  defineProperty(Error.prototype, 'code', { value: undefined, writable: true, enumerable: false, configurable: false });
  const math = {};
  for (const name of getOwnPropertyNames(Math)) {
    if (name !== 'random') defineProperty(math, name, getOwnPropertyDescriptor(Math, name));
  }
  defineProperty(math, Symbol.toStringTag, { value: 'Math' });
  defineProperty(math, 'random', { get: forbid('Math.random'), enumerable: false, configurable: false });
  defineProperty(g, 'Math', { value: freeze(math), writable: false, enumerable: false, configurable: false });
  const noop = function () {};
  const console = freeze({ log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop });
  defineProperty(g, 'console', { value: console, writable: false, enumerable: false, configurable: false });
  for (let i = 0; i < withheldGlobals.length; i++) withhold(g, withheldGlobals[i], withheldGlobals[i]);

  // 2. The bridge of the SDK.
  function guard() {
    if (!open) {
      report('late', '');
      throw refuse('the bridge is only available while a SCORE method runs');
    }
  }
  function strings(list) {
    if (!isArray(list)) throw new TypeErrorCtor('event values are lists of strings');
    const out = [];
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'string') throw new TypeErrorCtor('event values are strings');
      out[i] = v;
    }
    return out;
  }
  const bridge = freeze({
    get(key) {
      guard();
      if (typeof key !== 'string') throw new TypeErrorCtor('storage keys are strings');
      return callHost('get', key, null);
    },
    set(key, value) {
      guard();
      if (typeof key !== 'string' || (value !== null && typeof value !== 'string')) {
        throw new TypeErrorCtor('storage keys and values are strings');
      }
      callHost('set', key, value);
    },
    emit(event, indexed, data) {
      guard();
      if (typeof event !== 'string') throw new TypeErrorCtor('event names are strings');
      callHost('emit', jsonStringify([event, strings(indexed), strings(data)]), null);
    },
    context() {
      guard();
      return callContext;
    },
    system(operation, argsJson) {
      guard();
      if (typeof operation !== 'string' || typeof argsJson !== 'string') {
        throw new TypeErrorCtor('system takes an operation and a JSON string');
      }
      return callHost('system', operation, argsJson);
    },
    pki(operation, argsJson) {
      guard();
      if (typeof operation !== 'string' || typeof argsJson !== 'string') {
        throw new TypeErrorCtor('pki takes an operation and a JSON string');
      }
      return callHost('pki', operation, argsJson);
    },
    governance(query, argsJson) {
      guard();
      if (typeof query !== 'string' || typeof argsJson !== 'string') {
        throw new TypeErrorCtor('governance takes a query and a JSON string');
      }
      return callHost('governance', query, argsJson);
    },
  });
  defineProperty(g, '__loopchain', { value: bridge, writable: false, enumerable: false, configurable: false });

${PRELUDE_CALLS}
  const entry = { value: undefined, writable: false, enumerable: false, configurable: false };
  entry.value = load;
  defineProperty(g, '__loopchain_load', entry);
  entry.value = invoke;
  defineProperty(g, '__loopchain_invoke', entry);
})
`;
