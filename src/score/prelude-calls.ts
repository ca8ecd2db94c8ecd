/**
 * The prelude's second half (spliced into PRELUDE_SOURCE, sharing its closure): the call protocol inside the
 * sandbox. `load` reads the SCORE class and copies its declared api out as JSON; `invoke` reads the call from
 * the host, builds the context and the positional arguments (int → bigint, bool → boolean), runs the method
 * on a new instance, and turns the result into ICON JSON (bigint → 0x-hex, bool → 0x1/0x0; floats refused).
 * Every outcome leaves as a JSON string; a thrown value is classified without leaking it.
 *
 * Names it uses from the first half: g, scoreGlobal, host helpers (callHost), the captured intrinsics
 * (jsonParse, jsonStringify, defineProperty, objectKeys, getPrototypeOf, ObjectPrototype, isArray, freeze,
 * reflectApply, BigIntFn, bigintToString, stringSlice, isSafeInteger, ERROR_CLASSES), the error classes
 * Refusal and ResultError, and the call state (open, refusedInCall, callContext, ScoreClass).
 */
export const PRELUDE_CALLS = String.raw`
  // 3. Loading: read the class and its declared api (only primitives are copied out).
  function copyParams(list) {
    if (!isArray(list)) return list === undefined ? [] : 'invalid';
    const out = [];
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      out[i] = p !== null && typeof p === 'object'
        ? { name: p.name, type: p.type, optional: p.optional }
        : 'invalid';
    }
    return out;
  }
  function setOwn(obj, key, value) {
    defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  }
  function load() {
    try {
      const ns = g[scoreGlobal];
      const cls = ns !== null && (typeof ns === 'object' || typeof ns === 'function') ? ns.default : undefined;
      if (typeof cls !== 'function') return jsonStringify({ error: 'the bundle has no default export class' });
      const api = cls.api;
      if (api === null || typeof api !== 'object') return jsonStringify({ error: 'the class has no static api' });
      const methods = {};
      const events = {};
      const missing = [];
      const rawMethods = api.methods;
      const rawEvents = api.events;
      if (rawMethods === null || typeof rawMethods !== 'object' || rawEvents === null || typeof rawEvents !== 'object') {
        return jsonStringify({ error: 'the api needs methods and events objects' });
      }
      const methodNames = objectKeys(rawMethods);
      for (let i = 0; i < methodNames.length; i++) {
        const name = methodNames[i];
        const m = rawMethods[name];
        if (m === null || typeof m !== 'object') { setOwn(methods, name, 'invalid'); continue; }
        setOwn(methods, name, { readonly: m.readonly, params: copyParams(m.params), returns: m.returns });
        if (typeof cls.prototype[name] !== 'function') missing[missing.length] = name;
      }
      const eventNames = objectKeys(rawEvents);
      for (let i = 0; i < eventNames.length; i++) {
        const e = rawEvents[eventNames[i]];
        setOwn(events, eventNames[i], e !== null && typeof e === 'object'
          ? { indexed: copyParams(e.indexed), data: copyParams(e.data) }
          : 'invalid');
      }
      ScoreClass = cls;
      return jsonStringify({ methods, events, missing });
    } catch {
      return jsonStringify({ error: 'reading the api threw' });
    }
  }

  // 4. One call: parameters in, ICON JSON out, every outcome a JSON string.
  function toArg(a) {
    if (a === null) return undefined;
    const type = a[0];
    const v = a[1];
    if (type === 'int') return v[0] === '-' ? -BigIntFn(reflectApply(stringSlice, v, [1])) : BigIntFn(v);
    if (type === 'bool') return v === '0x1';
    return v;
  }
  function invalidResult(message) { return new ResultError('INVALID_RESULT', message); }
  function intString(v) {
    if (typeof v === 'number') {
      if (!isSafeInteger(v)) throw new ResultError('FLOAT_RESULT', 'floating-point numbers are not ICON values');
      v = BigIntFn(v);
    }
    if (typeof v !== 'bigint') throw invalidResult('not an int');
    return v < 0n ? '-0x' + reflectApply(bigintToString, -v, [16]) : '0x' + reflectApply(bigintToString, v, [16]);
  }
  function iconJson(v, depth) {
    if (depth > 32) throw invalidResult('nested too deep');
    switch (typeof v) {
      case 'string': return v;
      case 'bigint': case 'number': return intString(v);
      case 'boolean': return v ? '0x1' : '0x0';
      case 'undefined': return null;
      case 'object': {
        if (v === null) return null;
        if (isArray(v)) {
          const out = [];
          for (let i = 0; i < v.length; i++) out[i] = iconJson(v[i], depth + 1);
          return out;
        }
        const proto = getPrototypeOf(v);
        if (proto !== ObjectPrototype && proto !== null) throw invalidResult('only plain objects are ICON dicts');
        const out = {};
        const keys = objectKeys(v);
        for (let i = 0; i < keys.length; i++) {
          const x = v[keys[i]];
          if (x !== undefined) setOwn(out, keys[i], iconJson(x, depth + 1));
        }
        return out;
      }
      default: throw invalidResult('not an ICON value');
    }
  }
  function convertResult(type, v) {
    if (v === undefined || v === null) return null;
    switch (type) {
      case 'int': return intString(v);
      case 'bool': if (typeof v !== 'boolean') throw invalidResult('not a bool'); return v ? '0x1' : '0x0';
      case 'str': case 'bytes': case 'Address': if (typeof v !== 'string') throw invalidResult('not a string'); return v;
      case 'dict': case 'list': return iconJson(v, 0);
      default: throw invalidResult('no return value is declared');
    }
  }
  function isThenable(v) {
    return ((typeof v === 'object' && v !== null) || typeof v === 'function') && typeof v.then === 'function';
  }
  function classify(e) {
    try {
      if (e instanceof Refusal) return { fail: 'REFUSED' };
      if (e instanceof ResultError) return { fail: e.code, detail: e.message };
      if (e !== null && typeof e === 'object' && e.name === 'ScoreRevert') {
        const code = e.code;
        const message = e.message;
        if (typeof code === 'string' && typeof message === 'string') return { fail: 'SCORE_REVERT', scoreCode: code, message };
      }
      for (let i = 0; i < ERROR_CLASSES.length; i++) {
        if (e instanceof ERROR_CLASSES[i][0]) return { fail: 'SCORE_ERROR', errorName: ERROR_CLASSES[i][1] };
      }
    } catch {}
    return { fail: 'SCORE_ERROR', errorName: 'exception' };
  }
  function invoke() {
    refusedInCall = false;
    let request;
    try {
      request = jsonParse(callHost('begin', '', null));
    } catch {
      return jsonStringify({ fail: 'INTERNAL' });
    }
    try {
      const c = request.context;
      callContext = freeze({
        channel: c.channel, address: c.address, height: BigIntFn(c.height), timestamp: BigIntFn(c.timestamp),
        parentHash: c.parentHash, txHash: c.txHash === null ? undefined : c.txHash,
        sender: c.sender === null ? undefined : c.sender,
      });
      const args = [];
      for (let i = 0; i < request.args.length; i++) args[i] = toArg(request.args[i]);
      let result;
      open = true;
      try {
        const instance = new ScoreClass();
        const fn = instance[request.method];
        if (typeof fn !== 'function') return jsonStringify({ fail: 'METHOD_NOT_FOUND' });
        result = reflectApply(fn, instance, args);
      } finally {
        open = false;
      }
      if (isThenable(result)) return jsonStringify({ fail: 'ASYNC_RESULT' });
      return jsonStringify({ ok: true, result: convertResult(request.returns, result), refused: refusedInCall });
    } catch (e) {
      return jsonStringify(classify(e));
    } finally {
      callContext = undefined;
    }
  }
`;
