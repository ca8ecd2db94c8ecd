/**
 * Checks of single values and lists of a raw genesis config, used by checkGenesisConfig (config.ts). Each
 * reads the raw, parsed JSON defensively (a value of the wrong shape is left to the schema's message) and
 * adds a path-prefixed message to a Problems list.
 */
import { createPublicKey } from 'node:crypto';
import { MAX_PUBLIC_KEY_BYTES, ROLES, type Role } from '../../contracts/governance/fields.js';

// The genesis timestamp must be a plausible time in microseconds; the bounds catch seconds and milliseconds.
const MIN_TIMESTAMP_US = 946_684_800_000_000n; // 2000-01-01T00:00:00Z
const MAX_TIMESTAMP_US = 4_102_444_800_000_000n; // 2100-01-01T00:00:00Z
const ICON_INT = /^0x(0|[1-9a-f][0-9a-f]*)$/;
export const ACCOUNT = /^hx[0-9a-f]{40}$/;
export const SCORE_ADDRESS = /^cx[0-9a-f]{40}$/;

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown, re?: RegExp): string | undefined {
  return typeof v === 'string' && (re === undefined || re.test(v)) ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return Number.isSafeInteger(v) ? (v as number) : undefined;
}

export function roles(v: unknown): Role[] | undefined {
  if (!Array.isArray(v) || !v.every((r) => (ROLES as readonly unknown[]).includes(r))) return undefined;
  return ROLES.filter((r) => v.includes(r));
}

export class Problems {
  readonly all: string[] = [];
  add(message: string): void {
    if (!this.all.includes(message)) this.all.push(message);
  }
  addAll(messages: readonly string[]): void {
    messages.forEach((m) => this.add(m));
  }
}

export function checkTimestamp(v: unknown, p: Problems): bigint | undefined {
  let us: bigint | undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return undefined; // the schema reported it
    if (!Number.isSafeInteger(v) || v < 0) {
      p.add('timestamp: must be a non-negative integer below 2^53 (use a 0x-hex string for exact values)');
      return undefined;
    }
    us = BigInt(v);
  } else if (typeof v === 'string') {
    if (!ICON_INT.test(v)) {
      p.add('timestamp: a string must be ICON 0x-hex (lowercase, no leading zeros), e.g. "0x6296a3f6b2000"');
      return undefined;
    }
    us = BigInt(v);
  } else {
    return undefined; // the schema reported it
  }
  if (us >= MIN_TIMESTAMP_US && us < MAX_TIMESTAMP_US) return us;
  const unit =
    us * 1000n >= MIN_TIMESTAMP_US && us * 1000n < MAX_TIMESTAMP_US
      ? ' (this looks like milliseconds)'
      : us * 1_000_000n >= MIN_TIMESTAMP_US && us * 1_000_000n < MAX_TIMESTAMP_US
        ? ' (this looks like seconds)'
        : '';
  p.add(`timestamp: must be microseconds since the Unix epoch between 2000 and 2100, is ${us}${unit}`);
  return undefined;
}

/** The PEM text a certificate field names (inline or by file), or undefined after reporting why not. */
export function certificateText(
  v: unknown,
  path: string,
  readText: (file: string) => string,
  p: Problems,
): string | undefined {
  const o = obj(v);
  if (o === undefined || Object.keys(o).length !== 1) return undefined;
  if (typeof o.pem === 'string') return o.pem === '' ? undefined : o.pem; // '' : the schema reported it
  const file = str(o.file);
  if (file === undefined || file === '') return undefined;
  try {
    return readText(file);
  } catch (e) {
    p.add(`${path}.file: cannot read ${JSON.stringify(file)}: ${(e as Error).message}`);
    return undefined;
  }
}

const KEY_TYPES = 'P-256, P-384, RSA of 2048 bits or more, or Ed25519';

export function checkResponderKey(v: unknown, path: string, p: Problems): string | undefined {
  const text = str(v, /^(0x)?([0-9a-fA-F]{2})+$/);
  if (text === undefined) return undefined;
  const digits = (text.startsWith('0x') ? text.slice(2) : text).toLowerCase();
  const der = Buffer.from(digits, 'hex');
  if (der.length > MAX_PUBLIC_KEY_BYTES) {
    p.add(`${path}: ${der.length} bytes, longer than ${MAX_PUBLIC_KEY_BYTES}`);
    return undefined;
  }
  let key;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    p.add(`${path}: not a DER SubjectPublicKeyInfo`);
    return undefined;
  }
  if (!key.export({ type: 'spki', format: 'der' }).equals(der)) {
    p.add(`${path}: not a canonical DER SubjectPublicKeyInfo (trailing or re-encoded bytes)`);
    return undefined;
  }
  const d = key.asymmetricKeyDetails ?? {};
  const ok =
    (key.asymmetricKeyType === 'ec' && ['prime256v1', 'secp384r1'].includes(d.namedCurve ?? '')) ||
    (key.asymmetricKeyType === 'rsa' && (d.modulusLength ?? 0) >= 2048) ||
    key.asymmetricKeyType === 'ed25519';
  if (!ok) {
    const what =
      key.asymmetricKeyType === 'ec'
        ? `an EC key on ${d.namedCurve ?? 'an unnamed curve'}`
        : key.asymmetricKeyType === 'rsa'
          ? `an RSA key of ${d.modulusLength ?? 0} bits`
          : `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
    p.add(`${path}: ${what}; responder keys must be ${KEY_TYPES}`);
    return undefined;
  }
  return `0x${digits}`;
}

/** Reports every later index of a value already seen, naming the first. */
export function duplicates(
  values: readonly (string | undefined)[],
  path: (i: number) => string,
  p: Problems,
): void {
  const first = new Map<string, number>();
  values.forEach((v, i) => {
    if (v === undefined) return;
    const at = first.get(v);
    if (at === undefined) first.set(v, i);
    else p.add(`${path(i)}: ${v} is already given at ${path(at)}`);
  });
}

const FIELD_ORDER = [
  'channel',
  'nid',
  'timestamp',
  'rootCertificate',
  'validators',
  'members',
  'threshold',
  'responderKeys',
  'consensus',
  'scores',
];

/** Groups messages by top-level field in the order of the docs (unknown fields first), stable within one. */
export function byField(messages: readonly string[]): string[] {
  const rank = (m: string): number => FIELD_ORDER.indexOf(/^[A-Za-z$_][\w$]*/.exec(m)?.[0] ?? '');
  return [...messages].sort((a, b) => rank(a) - rank(b));
}
