/**
 * Encrypting and decrypting ICON keystores (format and checks in keystore-format.ts), interchangeable with
 * icon-sdk-js 1.5.3 (`Wallet.store` / `Wallet.loadKeystore`). The UTF-8 password (not normalized, as
 * icon-sdk-js) is stretched by scrypt or PBKDF2-HMAC-SHA256 to 32 bytes; bytes 0..16 key AES-128-CTR over
 * the private key and MAC = keccak256(dk[16..32] ‖ ciphertext).
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import sha3 from 'js-sha3';
import { concatBytes } from '../codec/hex.js';
import { addressFromPublicKey } from './address.js';
import {
  checkKdfBounds,
  DEFAULT_PBKDF2_ROUNDS,
  DEFAULT_SCRYPT,
  DKLEN,
  IV_BYTES,
  KeystoreError,
  parseKeystore,
  scryptMemory,
  type IconKeystore,
  type Pbkdf2Params,
  type ScryptParams,
} from './keystore-format.js';
import { isValidPrivateKey, publicKeyOf } from './secp256k1.js';

export {
  DEFAULT_PBKDF2_ROUNDS,
  DEFAULT_SCRYPT,
  KDF_LIMITS,
  KeystoreError,
  MAX_KEYSTORE_BYTES,
  type IconKeystore,
  type KeystoreErrorCode,
  type Pbkdf2Params,
  type ScryptParams,
} from './keystore-format.js';

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

/* ---------------------------------------------------------------- primitives */

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

/** Hex already checked by `parseKeystore`. */
function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}
