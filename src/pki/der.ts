/**
 * A small DER encoder and reader for the certificate hot path.
 *
 * Why hand-written: the validator path must rebuild every TBSCertificate of a block (target ≥ 3,000/s per
 * core, DESIGN §9), while `@peculiar/x509` builds ~760 certificates/s because its schema-driven ASN.1 layer
 * allocates and reflects per field. A TBS is a fixed shape, so we concatenate DER pieces: the ones fixed per
 * block are encoded once, the per-certificate ones (serial, validity, subject, SPKI, key ids) with the few
 * primitives below. Parsing untrusted input and tests keep using the libraries (@peculiar/x509, openssl).
 * Only definite-length DER with tags < 31 is produced or accepted.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV. `parts` are concatenated as the content. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const head = lengthBytes(len);
  const out = new Uint8Array(1 + head.length + len);
  out[0] = tag;
  out.set(head, 1);
  let o = 1 + head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...parts);
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SET, ...parts);
export const octets = (b: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, b);
/** A BIT STRING with no unused bits (keys, signatures). */
export const bits = (b: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, Uint8Array.of(0), b);
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, ...parts: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...parts);
/** [n] IMPLICIT primitive (context-specific). */
export const implicitPrimitive = (n: number, b: Uint8Array): Uint8Array => tlv(0x80 | n, b);
export const utf8 = (s: string): Uint8Array => tlv(TAG.UTF8_STRING, new TextEncoder().encode(s));
export const ia5 = (s: string): Uint8Array => tlv(TAG.IA5_STRING, new TextEncoder().encode(s));
export const bool = (v: boolean): Uint8Array => tlv(TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0));
export const NULL = Uint8Array.of(TAG.NULL, 0);

/** A non-negative INTEGER from big-endian magnitude bytes: leading zeros dropped, 0x00 added if the top bit is set. */
export function uint(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length === 0) return Uint8Array.of(TAG.INTEGER, 1, 0);
  return (m[0]! & 0x80) !== 0 ? tlv(TAG.INTEGER, Uint8Array.of(0), m) : tlv(TAG.INTEGER, m);
}

export function smallInt(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`smallInt: ${n}`);
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return uint(Uint8Array.from(b.length ? b : [0]));
}

const oidCache = new Map<string, Uint8Array>();

/** OBJECT IDENTIFIER from dotted decimal (arcs may exceed 2^53). Memoised: profiles use a handful of OIDs. */
export function oid(dotted: string): Uint8Array {
  let der = oidCache.get(dotted);
  if (!der) {
    der = encodeOid(dotted);
    oidCache.set(dotted, der);
  }
  return der;
}

function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new RangeError(`bad OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n))
    throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint): void => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Uint8Array.from(out));
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, 'Z'. */
export function time(epochSeconds: number): Uint8Array {
  const d = new Date(epochSeconds * 1000);
  const y = d.getUTCFullYear();
  const rest =
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    'Z';
  if (y < 1950 || y > 9999) throw new RangeError(`time out of range: ${y}`);
  const enc = new TextEncoder();
  return y < 2050
    ? tlv(TAG.UTC_TIME, enc.encode(pad(y % 100, 2) + rest))
    : tlv(TAG.GENERALIZED_TIME, enc.encode(pad(y, 4) + rest));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One element read back: tag, where its content is, where it ends. */
export interface Element {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export class DerError extends Error {}

/** Reads the element at `at`, refusing indefinite or non-minimal lengths and anything past `limit`. */
export function readElement(buf: Uint8Array, at: number, limit: number = buf.length): Element {
  if (at + 2 > limit) throw new DerError('truncated');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('unsupported length');
    if (p + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (len < 0x80 || buf[p] === 0) throw new DerError('non-minimal length');
    p += n;
  }
  if (p + len > limit) throw new DerError('truncated content');
  return { tag, start: at, contentStart: p, end: p + len };
}

/** The children of a constructed element. */
export function children(buf: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let p = parent.contentStart; p < parent.end;) {
    const e = readElement(buf, p, parent.end);
    out.push(e);
    p = e.end;
  }
  return out;
}

export const bytesOf = (buf: Uint8Array, e: Element): Uint8Array => buf.subarray(e.start, e.end);
export const contentOf = (buf: Uint8Array, e: Element): Uint8Array => buf.subarray(e.contentStart, e.end);
