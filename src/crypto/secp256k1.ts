/**
 * secp256k1 recoverable ECDSA through the native libsecp256k1 binding (the `secp256k1` package's
 * prebuilt addon). We load `secp256k1/bindings` directly: the package's index silently falls back to a
 * pure-JS implementation (~1k verifications/s here), which must never happen unnoticed.
 */
import { createRequire } from 'node:module';
import { LoopchainError } from '../errors.js';

interface Secp256k1Native {
  privateKeyVerify(key: Uint8Array): boolean;
  publicKeyCreate(key: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyVerify(key: Uint8Array): boolean;
  publicKeyConvert(key: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pub: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
}

const native = createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Native;

export type SignatureErrorCode = 'INVALID_PRIVATE_KEY' | 'INVALID_PUBLIC_KEY' | 'INVALID_SIGNATURE';
export class SignatureError extends LoopchainError<SignatureErrorCode> {}

/** Half the curve order: signatures with s above it are malleable twins and are refused. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key.length === 32 && native.privateKeyVerify(key);
}

/** Uncompressed public key (65 bytes, 0x04 prefix). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  if (!isValidPrivateKey(privateKey)) throw new SignatureError('INVALID_PRIVATE_KEY', 'not a secp256k1 key');
  return native.publicKeyCreate(privateKey, false);
}

/** Converts a 33- or 65-byte public key to its uncompressed form, or throws INVALID_PUBLIC_KEY. */
export function uncompressedPublicKey(key: Uint8Array): Uint8Array {
  if ((key.length !== 33 && key.length !== 65) || !native.publicKeyVerify(key)) {
    throw new SignatureError('INVALID_PUBLIC_KEY', 'not a secp256k1 public key');
  }
  return native.publicKeyConvert(key, false);
}

/** Signs a 32-byte digest; returns r‖s‖v (65 bytes), s low, v the recovery id (0..3). */
export function signRecoverable(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError('digest must be 32 bytes');
  if (!isValidPrivateKey(privateKey)) throw new SignatureError('INVALID_PRIVATE_KEY', 'not a secp256k1 key');
  const { signature, recid } = native.ecdsaSign(digest, privateKey);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = recid;
  return out;
}

/**
 * Recovers the uncompressed public key from r‖s‖v over a 32-byte digest and checks the signature
 * against it. Throws INVALID_SIGNATURE for a wrong length, a bad recovery id, a high s, or no key.
 */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError('digest must be 32 bytes');
  if (signature.length !== 65) {
    throw new SignatureError(
      'INVALID_SIGNATURE',
      `signature must be 65 bytes (r, s, v), got ${signature.length}`,
    );
  }
  const recid = signature[64]!;
  if (recid > 3) throw new SignatureError('INVALID_SIGNATURE', `recovery id must be 0..3, got ${recid}`);
  const rs = signature.subarray(0, 64);
  const s = BigInt(`0x${Buffer.from(rs.subarray(32)).toString('hex')}`);
  if (s > HALF_N) throw new SignatureError('INVALID_SIGNATURE', 'signature s is not in the lower half order');
  let pub: Uint8Array;
  try {
    pub = native.ecdsaRecover(rs, recid, digest, false);
  } catch {
    throw new SignatureError('INVALID_SIGNATURE', 'no public key recovers from this signature');
  }
  // No separate verify: recovery computes the one key for which (r, s) satisfies the ECDSA equation
  // over this digest, so a recovered key is a verified key (and verifying again halves throughput).
  return pub;
}

/** Plain (non-recoverable) verification of r‖s against a known public key. */
export function verifySignature(digest: Uint8Array, rs: Uint8Array, publicKey: Uint8Array): boolean {
  if (digest.length !== 32 || rs.length !== 64) return false;
  try {
    return native.ecdsaVerify(rs, digest, uncompressedPublicKey(publicKey));
  } catch {
    return false;
  }
}
