/**
 * Checks on the plain JSON that arrives in `dict` parameters (the genesis config, proposal payloads). Every
 * failure reverts with the caller's code and names the field (`members[2].address: …`), so a bad config or
 * payload is fixed without guessing.
 */
import { revert } from '../../src/score/sdk/index.js';

export const ROLES = ['admin', 'validator', 'ra', 'ocsp', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const MAX_NAME_LENGTH = 64;
export const MAX_REASON_LENGTH = 280;
/**
 * DER SubjectPublicKeyInfo size cap. The key (as 0x-hex) is part of a storage key, and the host allows
 * storage keys of 1024 characters: 480 bytes fits P-256 (91), P-384, Ed25519 and RSA up to 3072 bits.
 */
export const MAX_PUBLIC_KEY_BYTES = 480;

const ACCOUNT = /^hx[0-9a-f]{40}$/;
const SCORE_ADDRESS = /^cx[0-9a-f]{40}$/;
const ICON_INT = /^0x(0|[1-9a-f][0-9a-f]*)$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAccount(value: string): boolean {
  return ACCOUNT.test(value);
}

export function isScoreAddress(value: string): boolean {
  return SCORE_ADDRESS.test(value);
}

/** ICON's int encoding for event values and JSON records: 0x-hex, no leading zeros. */
export function hex(n: bigint): string {
  return n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** A plain object with only the allowed fields; `required` fields must be present. */
export function asObject(
  value: unknown,
  path: string,
  code: string,
  allowed: readonly string[],
  required: readonly string[] = allowed,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    revert(code, `${path}: must be an object`);
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) revert(code, `${at(path, k)}: unexpected field`);
  }
  for (const k of required) {
    if (obj[k] === undefined) revert(code, `${at(path, k)}: required`);
  }
  return obj;
}

export function asArray(value: unknown, path: string, code: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) revert(code, `${path}: must be a list`);
  if (value.length < min || value.length > max)
    revert(code, `${path}: must have ${min}..${max} entries, has ${value.length}`);
  return value;
}

export function asAccount(value: unknown, path: string, code: string): string {
  if (typeof value !== 'string' || !ACCOUNT.test(value))
    revert(code, `${path}: must be an account address (hx + 40 lowercase hex digits)`);
  return value;
}

/** A display name or label: 1..64 characters, no control characters, no surrounding blanks. */
export function asName(value: unknown, path: string, code: string): string {
  if (typeof value !== 'string') revert(code, `${path}: must be a string`);
  const length = [...value].length;
  if (length === 0 || length > MAX_NAME_LENGTH)
    revert(code, `${path}: must have 1..${MAX_NAME_LENGTH} characters`);
  if (value.trim() !== value || CONTROL.test(value))
    revert(code, `${path}: no control characters or surrounding blanks`);
  return value;
}

/** A free-text reason: 1..280 characters, not only blanks. */
export function asReason(value: unknown, path: string, code: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) revert(code, `${path}: must not be empty`);
  if ([...value].length > MAX_REASON_LENGTH)
    revert(code, `${path}: must have at most ${MAX_REASON_LENGTH} characters`);
  return value;
}

/** A non-negative int as JSON carries it: a safe integer number or an ICON 0x-hex string. */
export function asInt(value: unknown, path: string, code: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && ICON_INT.test(value)) return BigInt(value);
  return revert(code, `${path}: must be a non-negative integer (number or 0x-hex string)`);
}

export function asRole(value: unknown, path: string, code: string): Role {
  if (typeof value !== 'string') revert(code, `${path}: must be a string`);
  if (!isRole(value)) revert('UNKNOWN_ROLE', `${path}: '${value}' is not one of ${ROLES.join(', ')}`);
  return value;
}

/** A list of distinct roles, in the canonical order of ROLES. */
export function asRoles(value: unknown, path: string, code: string): Role[] {
  const list = asArray(value, path, code, 0, ROLES.length);
  const roles = list.map((r, i) => asRole(r, `${path}[${i}]`, code));
  if (new Set(roles).size !== roles.length) revert(code, `${path}: duplicate role`);
  return ROLES.filter((r) => roles.includes(r));
}

/**
 * A DER SubjectPublicKeyInfo as hex (with or without 0x, any case), normalised to 0x + lowercase. Checks the
 * outer SEQUENCE's length and that it starts with the AlgorithmIdentifier SEQUENCE; the host parses the rest
 * when it certifies the key.
 */
export function asPublicKey(value: unknown, path: string, code: string): string {
  if (typeof value !== 'string') revert(code, `${path}: must be a hex string`);
  const digits = (value.startsWith('0x') ? value.slice(2) : value).toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(digits)) revert(code, `${path}: must be hex with whole bytes`);
  const bytes: number[] = [];
  for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  if (bytes.length > MAX_PUBLIC_KEY_BYTES) revert(code, `${path}: longer than ${MAX_PUBLIC_KEY_BYTES} bytes`);
  const [tag = -1, first = -1] = bytes;
  let header = 2;
  let length = first;
  if (first === 0x81) {
    header = 3;
    length = bytes[2] ?? -1;
  } else if (first === 0x82) {
    header = 4;
    length = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? -1);
  } else if (first >= 0x80) {
    length = -1;
  }
  if (tag !== 0x30 || length < 0 || header + length !== bytes.length || bytes[header] !== 0x30)
    revert(code, `${path}: not a DER SubjectPublicKeyInfo`);
  return `0x${digits}`;
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
