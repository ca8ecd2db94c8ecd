/** ICON addresses: `hx` + 20 bytes for accounts (EOA), `cx` + 20 bytes for SCOREs. */
import { sha3_256 } from '../codec/hash.js';
import { bytesToHex } from '../codec/hex.js';
import { uncompressedPublicKey } from './secp256k1.js';

export const EOA_ADDRESS = /^hx[0-9a-f]{40}$/;
export const SCORE_ADDRESS = /^cx[0-9a-f]{40}$/;

export type Address = `hx${string}` | `cx${string}`;

export function isEoaAddress(v: unknown): v is `hx${string}` {
  return typeof v === 'string' && EOA_ADDRESS.test(v);
}

export function isScoreAddress(v: unknown): v is `cx${string}` {
  return typeof v === 'string' && SCORE_ADDRESS.test(v);
}

export function isAddress(v: unknown): v is Address {
  return isEoaAddress(v) || isScoreAddress(v);
}

/** `hx` + last 20 bytes of SHA3-256(uncompressed public key without the 0x04 prefix). */
export function addressFromPublicKey(publicKey: Uint8Array): `hx${string}` {
  return addressOfPoint(uncompressedPublicKey(publicKey));
}

/**
 * The address of an uncompressed key known to be on the curve, such as one returned by signature
 * recovery; skips the curve check that `addressFromPublicKey` makes on keys from outside.
 */
export function addressOfPoint(pub: Uint8Array): `hx${string}` {
  return `hx${bytesToHex(sha3_256(pub.subarray(1)).subarray(12))}`;
}
