/**
 * The host's reading of what the prelude's invoke returned: a JSON string made inside the sandbox, trusted
 * for nothing. Every failure message is the host's own text (a SCORE_REVERT message is the SCORE's, cut to
 * length), so receipts never carry V8 messages, stacks or paths that could differ between nodes.
 */
import { failure, type Failure } from './errors.js';

export type InvokeOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly failure: Failure; readonly internal?: unknown };

const REVERT_CODE = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_REVERT_MESSAGE = 256;
const PASSED_THROUGH = new Set(['METHOD_NOT_FOUND', 'ASYNC_RESULT', 'INVALID_RESULT', 'FLOAT_RESULT']);

/** Turns the sandbox's JSON outcome into host data. */
export function decodeOutcome(raw: string): InvokeOutcome {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { ok: false, failure: failure('SCORE_ERROR', 'the SCORE interfered with the runtime') };
  }
  if (o.ok === true) {
    if (o.refused === true) return { ok: false, failure: failure('SCORE_ERROR', 'a host operation failed') };
    return { ok: true, result: o.result ?? null };
  }
  const code = typeof o.fail === 'string' ? o.fail : '';
  if (code === 'SCORE_REVERT' && typeof o.scoreCode === 'string' && typeof o.message === 'string') {
    if (!REVERT_CODE.test(o.scoreCode)) {
      return { ok: false, failure: failure('SCORE_ERROR', 'the SCORE reverted with a malformed code') };
    }
    const message = Array.from(o.message).slice(0, MAX_REVERT_MESSAGE).join('');
    return { ok: false, failure: failure('SCORE_REVERT', message, o.scoreCode) };
  }
  if (PASSED_THROUGH.has(code)) {
    const messages: Record<string, string> = {
      METHOD_NOT_FOUND: 'the SCORE class does not implement the method',
      ASYNC_RESULT: 'the method returned a thenable: SCORE methods are synchronous',
      INVALID_RESULT: `the method returned an invalid value: ${typeof o.detail === 'string' ? o.detail.slice(0, 80) : ''}`,
      FLOAT_RESULT: 'the method returned a floating-point number',
    };
    return { ok: false, failure: failure(code as 'METHOD_NOT_FOUND', messages[code]!) };
  }
  if (code === 'SCORE_ERROR') {
    const name =
      typeof o.errorName === 'string' && /^[A-Za-z]{1,20}$/.test(o.errorName) ? o.errorName : 'exception';
    return { ok: false, failure: failure('SCORE_ERROR', `uncaught ${name}`) };
  }
  if (code === 'REFUSED') return { ok: false, failure: failure('SCORE_ERROR', 'a host operation failed') };
  return { ok: false, failure: failure('INTERNAL', 'internal error') };
}
