import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, scryptSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sha3 from 'js-sha3';
import {
  decryptKeystore,
  encryptKeystore,
  KeystoreError,
  MAX_KEYSTORE_BYTES,
  type IconKeystore,
  type KeystoreErrorCode,
} from '../../src/crypto/keystore.js';
import { readKeystoreFile, writeKeystoreFile } from '../../src/crypto/keystore-file.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { LoopchainError } from '../../src/errors.js';
import { IconWallet } from '../helpers/icon-sdk.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const seq = (start: number, n: number) => Uint8Array.from({ length: n }, (_, i) => start + i);
/** icon-sdk-js's uuid v4 rewrites the seed buffer in place, so it gets a fresh copy each time. */
const sdkOpts = (extra: object = {}) => ({
  salt: Buffer.from(seq(0, 32)),
  iv: Buffer.from(seq(0xa0, 16)),
  uuid: Buffer.from(seq(0x10, 16)),
  ...extra,
});
const FIXED = { salt: seq(0, 32), iv: seq(0xa0, 16), uuid: seq(0x10, 16) };
const FAST = { n: 1024 };

const KEY_HEX = 'c0ffee254729296a45a3885639ac7e10f9d54979b0c4fb9b6f6b55b7c2b5b6a1';
const KEY = Uint8Array.from(Buffer.from(KEY_HEX, 'hex'));
const ADDRESS = 'hxdf4e1abf24cdfecf6ad918976db8db062af73343';
/** Precomposed non-ASCII on purpose: pins UTF-8 without Unicode normalization, as icon-sdk-js does. */
const PASSWORD = 'p\u00e4ssw\u00f6rd \u043a\u043b\u044e\u0447';

/** Written by icon-sdk-js 1.5.3 `store(PASSWORD, { salt, iv, uuid })` with its default parameters. */
const GOLDEN_SCRYPT = {
  version: 3,
  id: '10111213-1415-4617-9819-1a1b1c1d1e1f',
  address: ADDRESS,
  crypto: {
    ciphertext: '34ed911b73252279a5a3760879575241c4e2005b5f7d858cfe39507413eac7bc',
    cipherparams: { iv: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf' },
    cipher: 'aes-128-ctr',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      salt: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      n: 16384,
      r: 8,
      p: 1,
    },
    mac: '106d0378aed14b89ee1b9a6626413d98dab3b3b5361659d3353fbb48c92177f2',
  },
  coinType: 'icx',
};

/** Same inputs, `{ kdf: 'pbkdf2' }`. */
const GOLDEN_PBKDF2 = {
  version: 3,
  id: '10111213-1415-4617-9819-1a1b1c1d1e1f',
  address: ADDRESS,
  crypto: {
    ciphertext: '76e8171e3cae8306083e2686c7c29e2ea92b61ad09f0bc75262a77dedbef597c',
    cipherparams: { iv: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf' },
    cipher: 'aes-128-ctr',
    kdf: 'pbkdf2',
    kdfparams: {
      dklen: 32,
      salt: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      c: 16384,
      prf: 'hmac-sha256',
    },
    mac: '63c6b16da5762576a67d3b0a3f4a8fa9a8fc6935e1a31b39af18d428a0d62ac0',
  },
  coinType: 'icx',
};

/** Written by icon-sdk-js with Geth's "standard" scrypt cost (N 2^18), the most our limits must admit. */
const GETH_STANDARD = {
  version: 3,
  id: '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0',
  address: 'hx304f44b9825c1bdd1c1945d7311abd315c2d33c0',
  crypto: {
    ciphertext: 'c58fc1c93deef32b73946d0546f8ed1a8306743836deb8484f7f5140ed439f7d',
    cipherparams: { iv: '8e0c2a4b6d8f1e3c5a7b9d0f2e4c6a8b' },
    cipher: 'aes-128-ctr',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      salt: '53a1f0c2b4d6e8fa1c3e5a7b9d0f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b3d5f',
      n: 262144,
      r: 8,
      p: 1,
    },
    mac: '07eb49bbc7a7d3fc78bdc0a1a97c0a189ae9b22b0a151151fcf5f38bcc0d75dd',
  },
  coinType: 'icx',
};

type Json = Record<string, unknown>;
const DELETE = Symbol('delete');

/** A deep copy of `ks` with each dotted path set to its value, or removed for DELETE. */
function edit(ks: object, changes: Record<string, unknown>): Json {
  const out = JSON.parse(JSON.stringify(ks)) as Json;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce((o, k) => o[k] as Json, out);
    if (value === DELETE) delete parent[last];
    else parent[last] = value;
  }
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: KeystoreErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeystoreError, `not a KeystoreError: ${String(e)}`);
    assert.ok(e instanceof LoopchainError);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** A fast keystore to edit in the rejection tests. */
const base = encryptKeystore(KEY, PASSWORD, { ...FAST, ...FIXED });
const mutated = async (changes: Record<string, unknown>) => edit(await base, changes);

/** Encrypts arbitrary 32 bytes with a correct MAC, bypassing our key check (test-only, independent code). */
function sealRaw(plain: Uint8Array, password: string): Json {
  const salt = seq(0, 32);
  const iv = seq(0xa0, 16);
  const dk = scryptSync(Buffer.from(password, 'utf8'), salt, 32, { N: 1024, r: 8, p: 1 });
  const c = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([c.update(plain), c.final()]);
  const mac = sha3.keccak256(Buffer.concat([dk.subarray(16, 32), ciphertext]));
  return {
    version: 3,
    id: '10111213-1415-4617-9819-1a1b1c1d1e1f',
    address: ADDRESS,
    crypto: {
      ciphertext: hex(ciphertext),
      cipherparams: { iv: hex(iv) },
      cipher: 'aes-128-ctr',
      kdf: 'scrypt',
      kdfparams: { dklen: 32, salt: hex(salt), n: 1024, r: 8, p: 1 },
      mac,
    },
    coinType: 'icx',
  };
}

// ------------------------------------------------------------------ round trips and vectors

test('round trip: encrypt then decrypt returns the key and its address (scrypt and pbkdf2)', async () => {
  for (const opts of [FAST, { kdf: 'pbkdf2' as const, c: 1000 }]) {
    const ks = await encryptKeystore(KEY, 'secret', opts);
    assert.equal(ks.address, ADDRESS);
    assert.equal(ks.coinType, 'icx');
    const out = await decryptKeystore(JSON.stringify(ks), 'secret');
    assert.equal(hex(out.privateKey), KEY_HEX);
    assert.equal(out.address, addressFromPublicKey(publicKeyOf(KEY)));
    assert.deepEqual(await decryptKeystore(ks, 'secret'), out);
  }
});

test('golden vector: fixed key, password, salt, iv, uuid and default params give the exact JSON', async () => {
  const ks = await encryptKeystore(KEY, PASSWORD, FIXED);
  assert.equal(JSON.stringify(ks), JSON.stringify(GOLDEN_SCRYPT));
  const out = await decryptKeystore(GOLDEN_SCRYPT, PASSWORD);
  assert.equal(hex(out.privateKey), KEY_HEX);
  assert.equal(out.address, ADDRESS);
});

test('golden vector for pbkdf2 (hmac-sha256, c 16384)', async () => {
  const ks = await encryptKeystore(KEY, PASSWORD, { ...FIXED, kdf: 'pbkdf2' });
  assert.equal(JSON.stringify(ks), JSON.stringify(GOLDEN_PBKDF2));
  assert.equal(hex((await decryptKeystore(GOLDEN_PBKDF2, PASSWORD)).privateKey), KEY_HEX);
});

test('defaults match icon-sdk-js: its store() with only salt/iv/uuid fixed writes our bytes exactly', () => {
  const wallet = IconWallet.loadPrivateKey(KEY_HEX);
  assert.equal(JSON.stringify(wallet.store(PASSWORD, sdkOpts())), JSON.stringify(GOLDEN_SCRYPT));
  assert.equal(
    JSON.stringify(wallet.store(PASSWORD, sdkOpts({ kdf: 'pbkdf2' }))),
    JSON.stringify(GOLDEN_PBKDF2),
  );
});

test('a keystore written by icon-sdk-js (IconWallet.create, store) decrypts to the same key', async () => {
  for (let i = 0; i < 3; i++) {
    const wallet = IconWallet.create();
    const out = await decryptKeystore(JSON.stringify(wallet.store('pw', FAST)), 'pw');
    assert.equal(hex(out.privateKey), wallet.getPrivateKey());
    assert.equal(out.address, wallet.getAddress());
  }
  const pb = IconWallet.create();
  const out = await decryptKeystore(pb.store('pw', { kdf: 'pbkdf2', c: 1000 }), 'pw');
  assert.equal(hex(out.privateKey), pb.getPrivateKey());
});

test('a keystore written by us loads in icon-sdk-js (loadKeystore) to the same key and address', async () => {
  for (const opts of [FAST, { kdf: 'pbkdf2' as const, c: 1000 }]) {
    const wallet = IconWallet.create();
    const key = Uint8Array.from(Buffer.from(wallet.getPrivateKey(), 'hex'));
    const ks = await encryptKeystore(key, 'pw', opts);
    for (const input of [ks, JSON.stringify(ks)]) {
      const loaded = IconWallet.loadKeystore(input, 'pw');
      assert.equal(loaded.getPrivateKey(), wallet.getPrivateKey());
      assert.equal(loaded.getAddress(), wallet.getAddress());
      assert.equal(loaded.getAddress(), ks.address);
    }
  }
});

test("Geth's standard scrypt cost (N 2^18, 256 MiB) is still inside the limits", async () => {
  const out = await decryptKeystore(GETH_STANDARD, 'geth standard');
  assert.equal(hex(out.privateKey), '5a3d1e2bd0d7ff1b4d71a3c55f4d0c4a0e51a3b8f2e6c9d7a1b3c5e7f9a0b2c4');
  assert.equal(out.address, GETH_STANDARD.address);
});

test('randomness is injected: salt, iv and uuid are drawn in that order; the default differs per call', async () => {
  const calls: number[] = [];
  const random = (n: number) => {
    calls.push(n);
    return new Uint8Array(n).fill(calls.length);
  };
  const ks = await encryptKeystore(KEY, 'pw', { ...FAST, random });
  assert.deepEqual(calls, [32, 16, 16]);
  assert.equal(ks.crypto.kdfparams.salt, '01'.repeat(32));
  assert.equal(ks.crypto.cipherparams.iv, '02'.repeat(16));
  assert.equal(ks.id, '03030303-0303-4303-8303-030303030303');
  const [a, b] = await Promise.all([encryptKeystore(KEY, 'pw', FAST), encryptKeystore(KEY, 'pw', FAST)]);
  assert.notEqual(a.crypto.kdfparams.salt, b.crypto.kdfparams.salt);
  assert.notEqual(a.crypto.cipherparams.iv, b.crypto.cipherparams.iv);
  assert.notEqual(a.id, b.id);
  assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('accepted variants: upper-case hex, "Crypto" spelling, no coinType, unknown extra fields', async () => {
  const ks = await base;
  const upper = await mutated({
    'crypto.ciphertext': ks.crypto.ciphertext.toUpperCase(),
    'crypto.mac': ks.crypto.mac.toUpperCase(),
    'crypto.cipherparams.iv': ks.crypto.cipherparams.iv.toUpperCase(),
    'crypto.kdfparams.salt': ks.crypto.kdfparams.salt.toUpperCase(),
  });
  assert.equal(hex((await decryptKeystore(upper, PASSWORD)).privateKey), KEY_HEX);
  const capital = await mutated({ Crypto: ks.crypto, crypto: DELETE, coinType: DELETE, name: 'extra' });
  assert.equal(hex((await decryptKeystore(capital, PASSWORD)).privateKey), KEY_HEX);
});

// ------------------------------------------------------------------ rejections

test('NOT_JSON and TOO_LARGE', async () => {
  await rejectsWith(decryptKeystore('{"version":3,', 'pw'), 'NOT_JSON');
  await rejectsWith(decryptKeystore('', 'pw'), 'NOT_JSON');
  await rejectsWith(decryptKeystore(' '.repeat(MAX_KEYSTORE_BYTES + 1), 'pw'), 'TOO_LARGE');
});

test('MALFORMED: missing or ill-typed fields', async () => {
  const ks = await base;
  const cases: Record<string, Record<string, unknown>> = {
    'version missing': { version: DELETE },
    'version a string': { version: '3' },
    'id missing': { id: DELETE },
    'id not a uuid': { id: 'abc' },
    'address missing': { address: DELETE },
    'address upper case': { address: ADDRESS.toUpperCase() },
    'address of a SCORE': { address: `cx${ADDRESS.slice(2)}` },
    'crypto missing': { crypto: DELETE },
    'crypto and Crypto': { Crypto: ks.crypto },
    'crypto an array': { crypto: [] },
    'cipher missing': { 'crypto.cipher': DELETE },
    'ciphertext not hex': { 'crypto.ciphertext': 'zz'.repeat(32) },
    'ciphertext odd length': { 'crypto.ciphertext': `${ks.crypto.ciphertext}0` },
    'ciphertext 31 bytes': { 'crypto.ciphertext': '00'.repeat(31) },
    'ciphertext 0x prefix': { 'crypto.ciphertext': `0x${ks.crypto.ciphertext}` },
    'cipherparams missing': { 'crypto.cipherparams': DELETE },
    'iv 12 bytes': { 'crypto.cipherparams.iv': '00'.repeat(12) },
    'mac missing': { 'crypto.mac': DELETE },
    'mac a number': { 'crypto.mac': 1 },
    'mac 20 bytes': { 'crypto.mac': '00'.repeat(20) },
    'kdf missing': { 'crypto.kdf': DELETE },
    'kdfparams missing': { 'crypto.kdfparams': DELETE },
    'salt missing': { 'crypto.kdfparams.salt': DELETE },
    'salt not hex': { 'crypto.kdfparams.salt': 'salt' },
    'n a string': { 'crypto.kdfparams.n': '1024' },
    'n fractional': { 'crypto.kdfparams.n': 1024.5 },
    'r missing': { 'crypto.kdfparams.r': DELETE },
    'p null': { 'crypto.kdfparams.p': null },
    'dklen missing': { 'crypto.kdfparams.dklen': DELETE },
  };
  for (const [name, changes] of Object.entries(cases)) {
    await assert.rejects(decryptKeystore(edit(ks, changes), PASSWORD), (e: unknown) => {
      assert.ok(e instanceof KeystoreError, name);
      assert.equal(e.code, 'MALFORMED', `${name}: ${e.message}`);
      return true;
    });
  }
  for (const text of ['[]', 'null', '"keystore"', '3']) {
    await rejectsWith(decryptKeystore(text, PASSWORD), 'MALFORMED');
  }
  await rejectsWith(
    decryptKeystore(edit(GOLDEN_PBKDF2, { 'crypto.kdfparams.c': DELETE }), PASSWORD),
    'MALFORMED',
  );
  await rejectsWith(
    decryptKeystore(edit(GOLDEN_PBKDF2, { 'crypto.kdfparams.prf': DELETE }), PASSWORD),
    'MALFORMED',
  );
});

test('UNSUPPORTED_VERSION, UNSUPPORTED_COIN_TYPE, UNSUPPORTED_KDF, UNSUPPORTED_CIPHER', async () => {
  for (const version of [1, 2, 4]) {
    await rejectsWith(decryptKeystore(await mutated({ version }), PASSWORD), 'UNSUPPORTED_VERSION');
  }
  await rejectsWith(decryptKeystore(await mutated({ coinType: 'eth' }), PASSWORD), 'UNSUPPORTED_COIN_TYPE');
  await rejectsWith(
    decryptKeystore(await mutated({ 'crypto.kdf': 'argon2id' }), PASSWORD),
    'UNSUPPORTED_KDF',
  );
  await rejectsWith(
    decryptKeystore(edit(GOLDEN_PBKDF2, { 'crypto.kdfparams.prf': 'hmac-sha512' }), PASSWORD),
    'UNSUPPORTED_KDF',
  );
  for (const cipher of ['aes-128-cbc', 'aes-256-ctr', 'AES-128-CTR']) {
    await rejectsWith(
      decryptKeystore(await mutated({ 'crypto.cipher': cipher }), PASSWORD),
      'UNSUPPORTED_CIPHER',
    );
  }
});

test('KDF_PARAMS_OUT_OF_BOUNDS: hostile cost is refused before any derivation', async () => {
  const scryptCases: Record<string, number>[] = [
    { n: 1000 }, // not a power of 2
    { n: 1 },
    { n: 0 },
    { n: -1024 },
    { n: 2 ** 19 }, // 512 MiB with r 8
    { n: 2 ** 30 }, // 128 GiB: would exhaust memory if attempted
    { n: 2 ** 10, r: 2 ** 20 }, // memory through r
    { n: 2, r: 2 ** 20, p: 2 }, // memory through r·p (OpenSSL's B blocks)
    { r: 0 },
    { p: 0 },
    { p: 17 },
    { n: 2 ** 18, r: 8, p: 3 }, // memory fits, N·r·p does not
    { dklen: 16 },
    { dklen: 64 },
  ];
  for (const c of scryptCases) {
    const changes = Object.fromEntries(Object.entries(c).map(([k, v]) => [`crypto.kdfparams.${k}`, v]));
    const started = process.hrtime.bigint();
    await rejectsWith(decryptKeystore(await mutated(changes), PASSWORD), 'KDF_PARAMS_OUT_OF_BOUNDS');
    assert.ok(process.hrtime.bigint() - started < 200_000_000n, `${JSON.stringify(c)} took too long`);
  }
  for (const salt of ['', '00'.repeat(1025)]) {
    await rejectsWith(
      decryptKeystore(await mutated({ 'crypto.kdfparams.salt': salt }), PASSWORD),
      'KDF_PARAMS_OUT_OF_BOUNDS',
    );
  }
  for (const c of [0, -1, 2 ** 21 + 1, 2 ** 40]) {
    await rejectsWith(
      decryptKeystore(edit(GOLDEN_PBKDF2, { 'crypto.kdfparams.c': c }), PASSWORD),
      'KDF_PARAMS_OUT_OF_BOUNDS',
    );
  }
  // The writer holds itself to the same limits: it never writes what it would refuse to read.
  await rejectsWith(encryptKeystore(KEY, 'pw', { n: 2 ** 20 }), 'KDF_PARAMS_OUT_OF_BOUNDS');
  await rejectsWith(encryptKeystore(KEY, 'pw', { n: 1000 }), 'KDF_PARAMS_OUT_OF_BOUNDS');
  await rejectsWith(encryptKeystore(KEY, 'pw', { kdf: 'pbkdf2', c: 2 ** 22 }), 'KDF_PARAMS_OUT_OF_BOUNDS');
  await rejectsWith(
    encryptKeystore(KEY, 'pw', { ...FAST, salt: new Uint8Array(0) }),
    'KDF_PARAMS_OUT_OF_BOUNDS',
  );
});

test('WRONG_PASSWORD: a wrong password, a tampered ciphertext, MAC or salt', async () => {
  const ks = await base;
  await rejectsWith(decryptKeystore(ks, 'not the password'), 'WRONG_PASSWORD');
  await rejectsWith(decryptKeystore(ks, ''), 'WRONG_PASSWORD');
  // The same password after NFD normalization is another byte string (no normalization, as icon-sdk-js).
  await rejectsWith(decryptKeystore(ks, PASSWORD.normalize('NFD')), 'WRONG_PASSWORD');
  const flip = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
  const tampered = {
    'crypto.ciphertext': flip(ks.crypto.ciphertext),
    'crypto.mac': flip(ks.crypto.mac),
    'crypto.kdfparams.salt': '00'.repeat(32), // another derived key, so the MAC no longer matches
  };
  for (const [path, value] of Object.entries(tampered)) {
    await rejectsWith(decryptKeystore(await mutated({ [path]: value }), PASSWORD), 'WRONG_PASSWORD');
  }
});

test('INVALID_PRIVATE_KEY: a correctly sealed zero key or key ≥ n is refused; the writer refuses them too', async () => {
  const control = sealRaw(KEY, 'pw'); // proves sealRaw itself produces a keystore we accept
  assert.equal(hex((await decryptKeystore(control, 'pw')).privateKey), KEY_HEX);
  await rejectsWith(decryptKeystore(sealRaw(new Uint8Array(32), 'pw'), 'pw'), 'INVALID_PRIVATE_KEY');
  await rejectsWith(
    decryptKeystore(sealRaw(new Uint8Array(32).fill(0xff), 'pw'), 'pw'),
    'INVALID_PRIVATE_KEY',
  );
  await rejectsWith(encryptKeystore(new Uint8Array(32), 'pw', FAST), 'INVALID_PRIVATE_KEY');
  await rejectsWith(encryptKeystore(KEY.subarray(0, 31), 'pw', FAST), 'INVALID_PRIVATE_KEY');
});

test('ADDRESS_MISMATCH: the file names another account than its key', async () => {
  const other = `hx${'ab'.repeat(20)}`;
  await assert.rejects(
    decryptKeystore(await mutated({ address: other }), PASSWORD),
    (e: unknown) =>
      e instanceof KeystoreError &&
      e.code === 'ADDRESS_MISMATCH' &&
      e.detail.expected === other &&
      e.detail.actual === ADDRESS,
  );
});

// ------------------------------------------------------------------ files

test('files: written atomically with mode 0600, read back, refused when present unless overwrite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keystore-test-'));
  try {
    const path = join(dir, 'node.json');
    const written: IconKeystore = await writeKeystoreFile(path, KEY, 'pw', { ...FAST, ...FIXED });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), written);
    assert.deepEqual(await readdir(dir), ['node.json'], 'no temp file is left behind');
    const out = await readKeystoreFile(path, 'pw');
    assert.equal(hex(out.privateKey), KEY_HEX);
    assert.equal(IconWallet.loadKeystore(await readFile(path, 'utf8'), 'pw').getPrivateKey(), KEY_HEX);

    const other = Uint8Array.from(Buffer.from(IconWallet.create().getPrivateKey(), 'hex'));
    await rejectsWith(writeKeystoreFile(path, other, 'pw', FAST), 'FILE_EXISTS');
    assert.equal(hex((await readKeystoreFile(path, 'pw')).privateKey), KEY_HEX, 'the old key is untouched');
    assert.deepEqual(await readdir(dir), ['node.json']);

    await writeKeystoreFile(path, other, 'pw2', { ...FAST, overwrite: true });
    assert.equal(hex((await readKeystoreFile(path, 'pw2')).privateKey), hex(other));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['node.json']);

    const big = join(dir, 'big.json');
    await writeFile(big, ' '.repeat(MAX_KEYSTORE_BYTES + 1));
    await rejectsWith(readKeystoreFile(big, 'pw'), 'TOO_LARGE');
    const junk = join(dir, 'junk.json');
    await writeFile(junk, 'not json');
    await rejectsWith(readKeystoreFile(junk, 'pw'), 'NOT_JSON');
    await assert.rejects(readKeystoreFile(join(dir, 'missing.json'), 'pw'), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
