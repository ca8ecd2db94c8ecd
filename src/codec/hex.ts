/** Hex and integer encodings used on the ICON v3 wire: `0x`-prefixed lowercase hex, no leading zeros. */

const HEX_BYTES = /^(?:[0-9a-f]{2})*$/;
const HEX_INT = /^0x(?:0|[1-9a-f][0-9a-f]*)$/;

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses even-length lowercase hex (no prefix). Returns undefined when malformed. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (!HEX_BYTES.test(hex)) return undefined;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Parses an ICON hex integer (`0x1a`), rejecting leading zeros, upper case and signs. */
export function parseHexInt(value: string): bigint | undefined {
  if (!HEX_INT.test(value)) return undefined;
  return BigInt(value);
}

export function toHexInt(value: bigint | number): string {
  const v = BigInt(value);
  if (v < 0n) throw new RangeError('ICON hex integers are non-negative');
  return `0x${v.toString(16)}`;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
