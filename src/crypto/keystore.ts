/**
 * ICON keystore files: Web3 Secret Storage v3 JSON plus ICON's `address` (hx…) and `coinType: "icx"`,
 * interchangeable with icon-sdk-js 1.5.3 (`Wallet.store` / `Wallet.loadKeystore`). The UTF-8 password
 * (not normalized, as icon-sdk-js) is stretched by scrypt or PBKDF2-HMAC-SHA256 to 32 bytes; bytes 0..16
 * key AES-128-CTR over the private key and MAC = keccak256(dk[16..32] ‖ ciphertext).
 *
 * A keystore file is untrusted input: every field is checked and the KDF cost is capped before any work
 * is done, so a hostile file cannot pin memory or CPU.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sha3 from 'js-sha3';
import { concatBytes } from '../codec/hex.js';
import { LoopchainError } from '../errors.js';
import { addressFromPublicKey } from './address.js';
import { isValidPrivateKey, publicKeyOf } from './secp256k1.js';

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

export interface DecryptedKeystore {
  readonly privateKey: Uint8Array;
  readonly address: `hx${string}`;
}

export interface EncryptOptions {
  /** Default 'scrypt', as icon-sdk-js. */
  readonly kdf?: 'scrypt' | 'pbkdf2';
  /** Defaults are icon-sdk-js's: n 16384, r 8, p 1 (pbkdf2: c 16384). */
  readonly n?: number;
  readonly r?: number;
  readonly p?: number;
  readonly c?: number;
  /** Fixed salt (32 bytes by default), iv (16) and uuid seed (16) for reproducible output. */
  readonly salt?: Uint8Array;
  readonly iv?: Uint8Array;
  readonly uuid?: Uint8Array;
  /** Source of salt, iv and uuid when not given, drawn in that order; default node:crypto randomBytes. */
  readonly random?: (length: number) => Uint8Array;
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

const DKLEN = 32;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Encrypts a 32-byte secp256k1 private key under `password`. Effects: draws randomness unless injected. */
export async function encryptKeystore(
  privateKey: Uint8Array,
  password: string,
  options: EncryptOptions = {},
): Promise<IconKeystore> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  if (!isValidPrivateKey(privateKey)) throw new KeystoreError('INVALID_PRIVATE_KEY', 'not a secp256k1 key');
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const salt = options.salt ?? random(32);
  const iv = options.iv ?? random(IV_BYTES);
  const uuidSeed = options.uuid ?? random(16);
  if (iv.length !== IV_BYTES || uuidSeed.length !== 16) throw new RangeError('iv and uuid must be 16 bytes');
  const kdf = options.kdf ?? 'scrypt';
  const kdfparams: ScryptParams | Pbkdf2Params =
    kdf === 'scrypt'
      ? {
          dklen: DKLEN,
          salt: hex(salt),
          n: options.n ?? DEFAULT_SCRYPT.n,
          r: options.r ?? DEFAULT_SCRYPT.r,
          p: options.p ?? DEFAULT_SCRYPT.p,
        }
      : { dklen: DKLEN, salt: hex(salt), c: options.c ?? DEFAULT_PBKDF2_ROUNDS, prf: 'hmac-sha256' };
  checkKdfBounds(kdfparams, salt); // never write a file we would refuse to read
  const dk = await deriveKey(password, kdfparams, salt);
  const cipher = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
  const ciphertext = concatBytes(cipher.update(privateKey), cipher.final());
  return {
    version: 3,
    id: uuidV4(uuidSeed),
    address: addressFromPublicKey(publicKeyOf(privateKey)),
    crypto: {
      ciphertext: hex(ciphertext),
      cipherparams: { iv: hex(iv) },
      cipher: 'aes-128-ctr',
      kdf,
      kdfparams,
      mac: hex(mac(dk, ciphertext)),
    },
    coinType: 'icx',
  };
}

/** Checks a keystore (object or JSON text) completely, then recovers its key; see KeystoreErrorCode. */
export async function decryptKeystore(
  keystore: string | object,
  password: string,
): Promise<DecryptedKeystore> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const ks = parseKeystore(keystore);
  const { kdfparams } = ks.crypto;
  const salt = bytes(kdfparams.salt);
  checkKdfBounds(kdfparams, salt);
  const dk = await deriveKey(password, kdfparams, salt);
  const ciphertext = bytes(ks.crypto.ciphertext);
  if (!timingSafeEqual(mac(dk, ciphertext), bytes(ks.crypto.mac))) {
    throw new KeystoreError('WRONG_PASSWORD', 'MAC mismatch: wrong password or corrupted keystore');
  }
  const decipher = createDecipheriv('aes-128-ctr', dk.subarray(0, 16), bytes(ks.crypto.cipherparams.iv));
  const privateKey = concatBytes(decipher.update(ciphertext), decipher.final());
  if (!isValidPrivateKey(privateKey)) {
    throw new KeystoreError('INVALID_PRIVATE_KEY', 'the decrypted bytes are not a secp256k1 private key');
  }
  const address = addressFromPublicKey(publicKeyOf(privateKey));
  if (address !== ks.address) {
    throw new KeystoreError('ADDRESS_MISMATCH', 'the keystore address is not the address of its key', {
      expected: ks.address,
      actual: address,
    });
  }
  return { privateKey, address };
}

/** Reads and decrypts a keystore file. Effects: reads `path` (fs errors pass through unchanged). */
export async function readKeystoreFile(path: string, password: string): Promise<DecryptedKeystore> {
  // Bounded read rather than stat + readFile: a FIFO or device reports size 0 and never ends.
  const buf = Buffer.alloc(MAX_KEYSTORE_BYTES + 1);
  let length = 0;
  const fh = await open(path, 'r');
  try {
    while (length < buf.length) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
  } finally {
    await fh.close();
  }
  if (length > MAX_KEYSTORE_BYTES) throw tooLarge();
  return decryptKeystore(buf.toString('utf8', 0, length), password);
}

/**
 * Encrypts `privateKey` and writes it to `path` atomically: a mode-0600 temp file in the same directory,
 * fsync, then link (refusing an existing file unless `overwrite`) or rename. Effects: writes to disk.
 */
export async function writeKeystoreFile(
  path: string,
  privateKey: Uint8Array,
  password: string,
  options: EncryptOptions & { readonly overwrite?: boolean } = {},
): Promise<IconKeystore> {
  const keystore = await encryptKeystore(privateKey, password, options);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(JSON.stringify(keystore), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.overwrite) {
      await rename(tmp, path);
    } else {
      await link(tmp, path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') throw new KeystoreError('FILE_EXISTS', `${path} already exists`, { path });
        throw e;
      });
    }
  } finally {
    await unlink(tmp).catch(() => undefined); // gone already after a rename
  }
  const dh = await open(dir, 'r'); // persist the directory entry
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return keystore;
}

/* ---------------------------------------------------------------- validation */

function parseKeystore(input: string | object): IconKeystore {
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

function checkKdfBounds(params: ScryptParams | Pbkdf2Params, salt: Uint8Array): void {
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

/* ---------------------------------------------------------------- primitives */

/** OpenSSL's own estimate (EVP_PBE_scrypt): V = 128·r·(N+2), B = 128·r·p. */
function scryptMemory(n: number, r: number, p: number): number {
  return 128 * r * (n + 2) + 128 * r * p;
}

function deriveKey(password: string, params: ScryptParams | Pbkdf2Params, salt: Uint8Array): Promise<Buffer> {
  const pw = Buffer.from(password, 'utf8');
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, key: Buffer) => (err ? reject(err) : resolve(key));
    if ('c' in params) {
      pbkdf2(pw, salt, params.c, params.dklen, 'sha256', done);
    } else {
      const { n: N, r, p } = params;
      scrypt(pw, salt, params.dklen, { N, r, p, maxmem: scryptMemory(N, r, p) + 1024 * 1024 }, done);
    }
  });
}

function mac(dk: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return new Uint8Array(sha3.keccak256.arrayBuffer(concatBytes(dk.subarray(16, 32), ciphertext)));
}

/** RFC 4122 version 4 from 16 seed bytes, as the `uuid` package's `v4({ random })` that icon-sdk-js uses. */
function uuidV4(seed: Uint8Array): string {
  const b = Uint8Array.from(seed);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Hex already checked by `hexField`. */
function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

function isPositiveInt(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 1;
}

/* ---------------------------------------------------------------- field readers */

type Json = Record<string, unknown>;

function malformed(field: string, why: string): KeystoreError {
  return new KeystoreError('MALFORMED', `keystore ${field || 'root'} ${why}`, { field });
}

function tooLarge(): KeystoreError {
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
