/**
 * The ICON keystore file format: Web3 Secret Storage v3 JSON plus ICON's `address` (hx…) and
 * `coinType: "icx"`, as icon-sdk-js 1.5.3 writes it, with the limits a keystore must respect.
 *
 * A keystore file is untrusted input: every field is checked and the KDF cost is capped before any work
 * is done, so a hostile file cannot pin memory or CPU.
 */
import { LoopchainError } from '../errors.js';

export type KeystoreErrorCode =
  | 'NOT_JSON'
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'UNSUPPORTED_VERSION'
  | 'UNSUPPORTED_COIN_TYPE'
  | 'UNSUPPORTED_KDF'
  | 'UNSUPPORTED_CIPHER'
  | 'KDF_PARAMS_OUT_OF_BOUNDS'
  | 'WRONG_PASSWORD'
  | 'INVALID_PRIVATE_KEY'
  | 'ADDRESS_MISMATCH'
  | 'FILE_EXISTS';
export class KeystoreError extends LoopchainError<KeystoreErrorCode> {}

export interface ScryptParams {
  readonly dklen: number;
  readonly salt: string;
  readonly n: number;
  readonly r: number;
  readonly p: number;
}
export interface Pbkdf2Params {
  readonly dklen: number;
  readonly salt: string;
  readonly c: number;
  readonly prf: 'hmac-sha256';
}

/** The file format; property order is icon-sdk-js's, so `JSON.stringify` output matches it byte for byte. */
export interface IconKeystore {
  readonly version: 3;
  readonly id: string;
  readonly address: `hx${string}`;
  readonly crypto: {
    readonly ciphertext: string;
    readonly cipherparams: { readonly iv: string };
    readonly cipher: 'aes-128-ctr';
    readonly kdf: 'scrypt' | 'pbkdf2';
    readonly kdfparams: ScryptParams | Pbkdf2Params;
    readonly mac: string;
  };
  readonly coinType: 'icx';
}

export const DEFAULT_SCRYPT = { n: 16384, r: 8, p: 1 } as const;
export const DEFAULT_PBKDF2_ROUNDS = 16384;
/**
 * Accepted KDF cost. Geth's "standard" scrypt (N 2^18, r 8, p 1: 256 MiB, ~1 s) must still open, so that
 * plus OpenSSL's working blocks is the memory ceiling; N·r·p bounds CPU at twice that; PBKDF2 rounds stop
 * at 2^21 (~1 s).
 */
export const KDF_LIMITS = {
  scryptMaxMemory: 257 * 1024 * 1024,
  scryptMaxCost: 2 ** 22,
  scryptMaxP: 16,
  pbkdf2MaxRounds: 2 ** 21,
  maxSaltBytes: 1024,
} as const;
/** A keystore is ~500 bytes; anything far larger is not one and is refused before parsing. */
export const MAX_KEYSTORE_BYTES = 64 * 1024;

/** Fixed sizes in bytes: derived key, private key (so ciphertext) and AES-CTR iv. */
export const DKLEN = 32;
export const KEY_BYTES = 32;
export const IV_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/* ---------------------------------------------------------------- validation */

/** Checks every field of a keystore (object or JSON text) and returns it normalized (hex lowercase). */
export function parseKeystore(input: string | object): IconKeystore {
  let v: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_KEYSTORE_BYTES) throw tooLarge();
    try {
      v = JSON.parse(input);
    } catch {
      throw new KeystoreError('NOT_JSON', 'the keystore is not JSON');
    }
  }
  const root = obj(v, '');
  const version = num(root, 'version', '');
  if (version !== 3) throw new KeystoreError('UNSUPPORTED_VERSION', `keystore version ${version}, want 3`);
  const id = str(root, 'id', '');
  if (!UUID.test(id)) throw malformed('id', 'is not a UUID');
  const address = str(root, 'address', '');
  if (!/^hx[0-9a-f]{40}$/.test(address)) throw malformed('address', 'is not an hx address');
  if (root.coinType !== undefined && root.coinType !== 'icx') {
    throw new KeystoreError('UNSUPPORTED_COIN_TYPE', `coinType ${JSON.stringify(root.coinType)}, want "icx"`);
  }
  // Some Ethereum tools wrote "Crypto"; accept it, but not both spellings at once.
  if (root.crypto !== undefined && root.Crypto !== undefined) throw malformed('crypto', 'appears twice');
  const crypto = obj(root.crypto ?? root.Crypto, 'crypto');
  const cipher = str(crypto, 'cipher', 'crypto.');
  if (cipher !== 'aes-128-ctr') throw new KeystoreError('UNSUPPORTED_CIPHER', `cipher ${cipher} unsupported`);
  const ciphertext = hexField(crypto, 'ciphertext', 'crypto.', KEY_BYTES);
  const iv = hexField(
    obj(crypto.cipherparams, 'crypto.cipherparams'),
    'iv',
    'crypto.cipherparams.',
    IV_BYTES,
  );
  const macHex = hexField(crypto, 'mac', 'crypto.', 32);
  const kdf = str(crypto, 'kdf', 'crypto.');
  const kp = obj(crypto.kdfparams, 'crypto.kdfparams');
  const at = 'crypto.kdfparams.';
  let kdfparams: ScryptParams | Pbkdf2Params;
  if (kdf === 'scrypt') {
    kdfparams = {
      dklen: int(kp, 'dklen', at),
      salt: hexField(kp, 'salt', at),
      n: int(kp, 'n', at),
      r: int(kp, 'r', at),
      p: int(kp, 'p', at),
    };
  } else if (kdf === 'pbkdf2') {
    const prf = str(kp, 'prf', at);
    if (prf !== 'hmac-sha256') throw new KeystoreError('UNSUPPORTED_KDF', `pbkdf2 prf ${prf} unsupported`);
    kdfparams = { dklen: int(kp, 'dklen', at), salt: hexField(kp, 'salt', at), c: int(kp, 'c', at), prf };
  } else {
    throw new KeystoreError('UNSUPPORTED_KDF', `kdf ${kdf} unsupported`);
  }
  return {
    version: 3,
    id,
    address: address as `hx${string}`,
    crypto: { ciphertext, cipherparams: { iv }, cipher, kdf, kdfparams, mac: macHex },
    coinType: 'icx',
  };
}

/** Refuses KDF parameters whose cost is outside KDF_LIMITS; run before any key derivation. */
export function checkKdfBounds(params: ScryptParams | Pbkdf2Params, salt: Uint8Array): void {
  const bad = (why: string) => new KeystoreError('KDF_PARAMS_OUT_OF_BOUNDS', why, { ...params });
  if (params.dklen !== DKLEN) throw bad(`dklen must be ${DKLEN}`);
  if (salt.length === 0 || salt.length > KDF_LIMITS.maxSaltBytes) {
    throw bad(`salt must be 1..${KDF_LIMITS.maxSaltBytes} bytes`);
  }
  if ('c' in params) {
    if (!isPositiveInt(params.c) || params.c > KDF_LIMITS.pbkdf2MaxRounds) {
      throw bad(`pbkdf2 c must be 1..${KDF_LIMITS.pbkdf2MaxRounds}`);
    }
    return;
  }
  const { n, r, p } = params;
  if (!isPositiveInt(n) || n < 2 || (n & (n - 1)) !== 0) throw bad('scrypt n must be a power of 2 above 1');
  if (!isPositiveInt(r) || !isPositiveInt(p) || p > KDF_LIMITS.scryptMaxP) {
    throw bad(`scrypt r must be ≥ 1 and p 1..${KDF_LIMITS.scryptMaxP}`);
  }
  if (scryptMemory(n, r, p) > KDF_LIMITS.scryptMaxMemory) {
    throw bad(`scrypt needs more than ${KDF_LIMITS.scryptMaxMemory} bytes of memory`);
  }
  if (n * r * p > KDF_LIMITS.scryptMaxCost) throw bad(`scrypt n·r·p above ${KDF_LIMITS.scryptMaxCost}`);
}

/** OpenSSL's own estimate (EVP_PBE_scrypt): V = 128·r·(N+2), B = 128·r·p. */
export function scryptMemory(n: number, r: number, p: number): number {
  return 128 * r * (n + 2) + 128 * r * p;
}

function isPositiveInt(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 1;
}

/* ---------------------------------------------------------------- field readers */

type Json = Record<string, unknown>;

function malformed(field: string, why: string): KeystoreError {
  return new KeystoreError('MALFORMED', `keystore ${field || 'root'} ${why}`, { field });
}

export function tooLarge(): KeystoreError {
  return new KeystoreError('TOO_LARGE', `a keystore is at most ${MAX_KEYSTORE_BYTES} bytes`);
}

function obj(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(field, 'must be an object');
  return v as Json;
}

function str(o: Json, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw malformed(at + key, 'must be a string');
  return v;
}

function num(o: Json, key: string, at: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(at + key, 'must be a number');
  return v;
}

function int(o: Json, key: string, at: string): number {
  const v = num(o, key, at);
  if (!Number.isSafeInteger(v)) throw malformed(at + key, 'must be an integer');
  return v;
}

/** Hex of even length (either case, no prefix) and, when given, exactly `len` bytes; returned lowercase. */
function hexField(o: Json, key: string, at: string, len?: number): string {
  const v = str(o, key, at);
  if (!HEX.test(v)) throw malformed(at + key, 'must be hex');
  if (len !== undefined && v.length !== 2 * len) throw malformed(at + key, `must be ${len} bytes`);
  return v.toLowerCase();
}
