/**
 * The ICON v3 canonical serialization of transaction parameters, the input of the transaction hash.
 * Maps become `{k.v.k.v}` with keys sorted, lists `[a.b]`, null `\0`, and the characters `\ . { } [ ]`
 * inside strings are escaped with a backslash. It matches icon-sdk-js's `serialize` byte for byte
 * (keys sorted by UTF-16 code units, as `Array.prototype.sort` does), which the tests check.
 *
 * Only strings, null, lists and maps are values in ICON's JSON-RPC: numbers and booleans are refused
 * here rather than silently dropped as the reference client does, so two differently-typed inputs can
 * never share a hash.
 */
import { LoopchainError } from '../errors.js';

export type IconValue = string | null | IconValue[] | { [key: string]: IconValue };

export class SerializeError extends LoopchainError<'UNSERIALIZABLE_VALUE' | 'TOO_DEEP'> {}

/** Nesting is bounded so a hostile request cannot exhaust the stack. */
export const MAX_DEPTH = 32;

const ESCAPED = /[\\.{}[\]]/g;

export function escapeString(value: string): string {
  return value.replace(ESCAPED, (c) => `\\${c}`);
}

function serializeValue(value: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new SerializeError('TOO_DEEP', `${path}: nested deeper than ${MAX_DEPTH}`);
  if (value === null) return '\\0';
  if (typeof value === 'string') return escapeString(value);
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => serializeValue(v, `${path}[${i}]`, depth + 1)).join('.')}]`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return `{${serializeEntries(value as Record<string, unknown>, path, depth + 1)}}`;
  }
  throw new SerializeError(
    'UNSERIALIZABLE_VALUE',
    `${path}: ${typeof value} is not an ICON value (use strings, null, lists and maps)`,
  );
}

function serializeEntries(obj: Record<string, unknown>, path: string, depth: number): string {
  const keys = Object.keys(obj).sort();
  return keys.map((k) => `${k}.${serializeValue(obj[k], path ? `${path}.${k}` : k, depth)}`).join('.');
}

/** `icx_sendTransaction.` + the serialized params (the outer braces dropped), signature excluded. */
export function serializeTransaction(params: Record<string, unknown>): string {
  const { signature: _signature, ...rest } = params;
  return `icx_sendTransaction.${serializeEntries(rest, '', 0)}`;
}
