import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPki, type PkiIo } from '../../src/cli/pki.js';
import { decryptKey } from '../../src/pki/ceremony.js';

const PASS = 'correct horse battery staple';
function io(env: Record<string, string> = {}): PkiIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    env: { ROOT_PASS: PASS, VCA_PASS: `${PASS} vca`, OCSP_PASS: `${PASS} ocsp`, ...env },
    out: (s) => stdout.push(s),
    err: (s) => stderr.push(s),
    now: () => new Date(Date.now() - 60_000),
    stdout,
    stderr,
  };
}

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-ceremony-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rootArgs = (dir: string) => [
  'root',
  '--out',
  join(dir, 'root'),
  '--name',
  'KOFIA Test',
  '--passphrase-env',
  'ROOT_PASS',
];
const vcaArgs = (dir: string, out = 'vca') => [
  'validator-ca',
  '--root-dir',
  join(dir, 'root'),
  '--root-passphrase-env',
  'ROOT_PASS',
  '--institution',
  'Validator One',
  '--address',
  `hx${'12'.repeat(20)}`,
  '--out',
  join(dir, out),
  '--passphrase-env',
  'VCA_PASS',
];

test('pki root: self-signed P-384 root, encrypted key of mode 0600, never overwritten', async () => {
  await withDir(async (dir) => {
    const o = io();
    assert.equal(runPki(rootArgs(dir), o), 0, o.stderr.join(''));
    assert.deepEqual((await readdir(join(dir, 'root'))).sort(), ['root.key.pem', 'root.pem']);
    assert.equal((await stat(join(dir, 'root', 'root.key.pem'))).mode & 0o777, 0o600);
    const cert = new X509Certificate(await readFile(join(dir, 'root', 'root.pem')));
    assert.equal(cert.subject, 'O=KOFIA Test\nCN=KOFIA Test Root CA');
    assert.ok(cert.ca && cert.verify(cert.publicKey) && cert.checkIssued(cert));
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const keyPem = await readFile(join(dir, 'root', 'root.key.pem'), 'utf8');
    assert.match(keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const key = decryptKey(keyPem, PASS);
    assert.deepEqual(
      createPublicKey(key).export({ format: 'der', type: 'spki' }),
      cert.publicKey.export({ format: 'der', type: 'spki' }),
    );
    assert.throws(() => decryptKey(keyPem, 'wrong passphrase!'), /cannot be decrypted/);
    // Refuses to overwrite, and leaves the files as they were.
    const before = await readFile(join(dir, 'root', 'root.pem'), 'utf8');
    const again = io();
    assert.equal(runPki(rootArgs(dir), again), 1);
    assert.match(again.stderr.join(''), /refusing to overwrite .*root\.pem.*\(EXISTS\)/);
    assert.equal(await readFile(join(dir, 'root', 'root.pem'), 'utf8'), before);
  });
});

test('pki root: a missing or short passphrase and bad flags are refused before anything is written', async () => {
  await withDir(async (dir) => {
    const o = io({ ROOT_PASS: '' });
    assert.equal(runPki(rootArgs(dir), o), 1);
    assert.match(o.stderr.join(''), /NO_PASSPHRASE/);
    const short = io({ ROOT_PASS: 'short' });
    assert.equal(runPki(rootArgs(dir), short), 1);
    assert.match(short.stderr.join(''), /at least 12 characters/);
    await assert.rejects(readdir(join(dir, 'root')));
    const bad = io();
    assert.equal(runPki([...rootArgs(dir), '--curve', 'P-521'], bad), 2);
    assert.equal(runPki(['root', '--out'], bad), 2);
    assert.equal(runPki(['root', '--bogus', 'x'], bad), 2);
    assert.equal(runPki(['nope'], bad), 2);
  });
});

test('pki validator-ca: issued by the root with pathLen 1, refused with the wrong root passphrase', async () => {
  await withDir(async (dir) => {
    assert.equal(runPki(rootArgs(dir), io()), 0);
    const wrong = io({ ROOT_PASS: 'not the root passphrase' });
    assert.equal(runPki(vcaArgs(dir), wrong), 1);
    assert.match(wrong.stderr.join(''), /BAD_PASSPHRASE/);
    const o = io();
    assert.equal(runPki(vcaArgs(dir), o), 0, o.stderr.join(''));
    const root = new X509Certificate(await readFile(join(dir, 'root', 'root.pem')));
    const vca = new X509Certificate(await readFile(join(dir, 'vca', 'validator-ca.pem')));
    assert.ok(vca.verify(root.publicKey) && vca.checkIssued(root) && vca.ca);
    assert.equal(vca.subject, `O=KOFIA Test\nOU=Validator One\nCN=Validator CA hx${'12'.repeat(20)}`);
    assert.equal((await stat(join(dir, 'vca', 'validator-ca.key.pem'))).mode & 0o777, 0o600);
    decryptKey(await readFile(join(dir, 'vca', 'validator-ca.key.pem'), 'utf8'), `${PASS} vca`);
    const badAddr = io();
    assert.equal(
      runPki([...vcaArgs(dir, 'vca2').slice(0, 8), 'hxNOPE', ...vcaArgs(dir, 'vca2').slice(9)], badAddr),
      2,
    );
    assert.match(badAddr.stderr.join(''), /hx \+ 40 lowercase hex/);
  });
});

test('pki ocsp-key: a P-256 responder key and the registerResponderKey request', async () => {
  await withDir(async (dir) => {
    const o = io();
    const args = [
      'ocsp-key',
      '--out',
      dir,
      '--name',
      'kofia-ocsp-1',
      '--passphrase-env',
      'OCSP_PASS',
      '--responder',
      `hx${'34'.repeat(20)}`,
    ];
    assert.equal(runPki(args, o), 0, o.stderr.join(''));
    const req = JSON.parse(await readFile(join(dir, 'register-responder-key.json'), 'utf8'));
    assert.equal(req.kind, 'registerResponderKey');
    assert.equal(req.payload.name, 'kofia-ocsp-1');
    assert.equal(req.payload.responder, `hx${'34'.repeat(20)}`);
    assert.match(req.payload.publicKey, /^0x3059[0-9a-f]+$/);
    const key = decryptKey(await readFile(join(dir, 'ocsp-responder.key.pem'), 'utf8'), `${PASS} ocsp`);
    assert.equal(
      `0x${createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('hex')}`,
      req.payload.publicKey,
    );
    assert.equal((await stat(join(dir, 'ocsp-responder.key.pem'))).mode & 0o777, 0o600);
    assert.equal(runPki(args, io()), 1); // never overwritten
  });
});
