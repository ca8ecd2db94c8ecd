/**
 * ICON values at the host's edge of the sandbox: transaction/query parameters in (ICON JSON strings checked
 * against the declared ParamSpec), results and event values out (checked against the declared types after the
 * sandbox has turned them into ICON JSON). Everything here runs in the host realm on plain JSON data.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { isAddress } from '../crypto/address.js';
import type { ApiMethod } from './api.js';
import { failure, type Failure } from './errors.js';
import type { IconType } from './sdk/index.js';

/** One positional argument for the sandbox: null when an optional parameter is omitted. */
export type TypedArg = null | readonly [IconType, IconValue];

const INT = /^-?0x(?:0|[1-9a-f][0-9a-f]{0,127})$/;
const BYTES = /^0x(?:[0-9a-f]{2})*$/;
const MAX_DEPTH = 32;

export function isIconInt(v: unknown): v is string {
  return typeof v === 'string' && INT.test(v) && v !== '-0x0';
}

/** Whether `v` is an ICON JSON value of `type` (null excluded). */
export function isIconValueOfType(type: IconType, v: unknown): boolean {
  switch (type) {
    case 'int':
      return isIconInt(v);
    case 'bool':
      return v === '0x0' || v === '0x1';
    case 'bytes':
      return typeof v === 'string' && BYTES.test(v);
    case 'Address':
      return isAddress(v);
    case 'str':
      return typeof v === 'string';
    case 'dict':
      return isPlainObject(v) && isIconJson(v, 0);
    case 'list':
      return Array.isArray(v) && isIconJson(v, 0);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Strings, null, lists and maps only, nested at most MAX_DEPTH deep. */
function isIconJson(v: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (v === null || typeof v === 'string') return true;
  if (Array.isArray(v)) return v.every((x) => isIconJson(x, depth + 1));
  if (isPlainObject(v)) return Object.values(v).every((x) => isIconJson(x, depth + 1));
  return false;
}

/**
 * Positional arguments for `method` from ICON keyword params. Missing required, unknown and ill-typed params
 * are INVALID_PARAMS; null counts as omitted.
 */
export function convertParams(
  name: string,
  method: ApiMethod,
  params: Readonly<Record<string, IconValue>> | undefined,
): TypedArg[] | Failure {
  const given = params ?? {};
  if (!isPlainObject(given)) return failure('INVALID_PARAMS', 'params must be an object');
  const declared = new Set(method.params.map((p) => p.name));
  for (const key of Object.keys(given)) {
    if (!declared.has(key)) {
      return failure('INVALID_PARAMS', `${name} has no parameter '${key.slice(0, 64)}'`);
    }
  }
  const args: TypedArg[] = [];
  for (const p of method.params) {
    const v = Object.hasOwn(given, p.name) ? given[p.name] : undefined;
    if (v === undefined || v === null) {
      if (!p.optional) return failure('INVALID_PARAMS', `${name} requires parameter '${p.name}'`);
      args.push(null);
      continue;
    }
    if (!isIconValueOfType(p.type, v)) {
      return failure('INVALID_PARAMS', `${name}: parameter '${p.name}' is not a valid ${p.type}`);
    }
    args.push([p.type, v]);
  }
  return args;
}

/** Checks the ICON JSON result the sandbox produced against the declared return type. */
export function checkResult(
  name: string,
  returns: IconType | undefined,
  result: unknown,
):
  | { readonly ok: true; readonly value: IconValue | null }
  | { readonly ok: false; readonly failure: Failure } {
  if (result === null) return { ok: true, value: null };
  if (returns === undefined) {
    return {
      ok: false,
      failure: failure('INVALID_RESULT', `${name} declares no return value but returned one`),
    };
  }
  if (!isIconValueOfType(returns, result)) {
    return {
      ok: false,
      failure: failure('INVALID_RESULT', `${name} returned a value that is not a valid ${returns}`),
    };
  }
  return { ok: true, value: result as IconValue };
}
