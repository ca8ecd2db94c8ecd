import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { MAX_CSR_PEM_CHARS, parseCsr } from '../../src/pki/csr.js';
import { CsrError, type CsrErrorCode } from '../../src/pki/errors.js';
import { seq } from '../../src/pki/der.js';
import { toPem } from '../../src/pki/tbs.js';
import { keyPair, makeCsr } from '../helpers/pki-fixture.js';

const refused = (code: CsrErrorCode) => (e: unknown) => {
  assert.ok(e instanceof CsrError, `expected a CsrError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};
const derOf = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

test('accepts P-256, P-384 and RSA 2048/4096 requests: SPKI and key fingerprint', () => {
  for (const [kind, type, bitsN] of [
    ['P-256', 'P-256', 256],
    ['P-384', 'P-384', 384],
    ['RSA-2048', 'RSA', 2048],
    ['RSA-4096', 'RSA', 4096],
  ] as const) {
    const k = keyPair(kind);
    const parsed = parseCsr(makeCsr(k, { hash: kind === 'P-384' ? 'sha384' : 'sha256' }));
    const spki = new Uint8Array(k.publicKey.export({ format: 'der', type: 'spki' }));
    assert.deepEqual(parsed.spki, spki, kind);
    assert.equal(parsed.keyType, type);
    assert.equal(parsed.keyBits, bitsN);
    assert.equal(parsed.fingerprint, createHash('sha256').update(spki).digest('hex'));
  }
});

test('the same key in two requests has the same fingerprint (a key already in use is recognisable)', () => {
  const k = keyPair('P-256');
  assert.equal(
    parseCsr(makeCsr(k, { subject: 'one' })).fingerprint,
    parseCsr(makeCsr(k, { subject: 'two' })).fingerprint,
  );
});

test('BAD_POP: a request signed by another key, or with a flipped signature bit', () => {
  const k = keyPair('P-256');
  assert.throws(() => parseCsr(makeCsr(k, { signWith: keyPair('P-256').privateKey })), refused('BAD_POP'));
  const der = derOf(makeCsr(keyPair('RSA-2048')));
  der[der.length - 5]! ^= 0x01;
  assert.throws(() => parseCsr(toPem(der, 'CERTIFICATE REQUEST')), refused('BAD_POP'));
  // An ECDSA algorithm over an RSA key cannot be a proof of possession either.
  assert.throws(
    () => parseCsr(makeCsr(keyPair('RSA-2048'), { algOid: '1.2.840.10045.4.3.2' })),
    refused('BAD_POP'),
  );
});

test('UNSUPPORTED_KEY: P-521, secp256k1, RSA-1024, Ed25519', () => {
  for (const kind of ['P-521', 'secp256k1', 'RSA-1024', 'Ed25519'] as const) {
    const k = keyPair(kind);
    assert.throws(() => parseCsr(makeCsr(k)), refused('UNSUPPORTED_KEY'), kind);
  }
});

test('UNSUPPORTED_SIGNATURE: SHA-1, RSASSA-PSS or an unknown algorithm', () => {
  for (const algOid of ['1.2.840.10045.4.1', '1.2.840.113549.1.1.10', '1.2.3.4']) {
    assert.throws(
      () => parseCsr(makeCsr(keyPair('P-256'), { algOid })),
      refused('UNSUPPORTED_SIGNATURE'),
      algOid,
    );
  }
});

test('TOO_LARGE and MALFORMED_CSR on the edges of the input', () => {
  const good = makeCsr(keyPair('P-256'));
  assert.throws(() => parseCsr(good + ' '.repeat(MAX_CSR_PEM_CHARS)), refused('TOO_LARGE'));
  const big = toPem(seq(new Uint8Array(6200)), 'CERTIFICATE REQUEST');
  assert.throws(
    () => parseCsr(big),
    (e: unknown) => refused('TOO_LARGE')(e) && /6144 bytes/.test((e as Error).message),
  );
  const cases: [string, string][] = [
    ['empty', ''],
    ['not PEM', 'hello'],
    ['a certificate', good.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')],
    ['two blocks', good + good],
    ['bad base64', good.replace(/\n[A-Za-z0-9+/]{4}/, '\n!!!!')],
    ['garbage DER', toPem(Uint8Array.of(1, 2, 3, 4), 'CERTIFICATE REQUEST')],
    ['trailing bytes', toPem(Buffer.concat([derOf(good), Buffer.of(0)]), 'CERTIFICATE REQUEST')],
    ['truncated', toPem(derOf(good).subarray(0, 60), 'CERTIFICATE REQUEST')],
  ];
  for (const [what, pem] of cases) assert.throws(() => parseCsr(pem), refused('MALFORMED_CSR'), what);
  assert.throws(() => parseCsr(42 as unknown as string), refused('MALFORMED_CSR'));
});

test('the returned SPKI is canonical and parses as the request key', () => {
  const k = keyPair('P-384');
  const p = parseCsr(makeCsr(k, { hash: 'sha384' }));
  const key = createPublicKey({ key: Buffer.from(p.spki), format: 'der', type: 'spki' });
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'secp384r1');
  assert.equal(p.signatureAlgorithm, 'ecdsa-with-SHA384');
});

test('anonymous: true only for an empty subject and no attributes', () => {
  const k = keyPair('P-256');
  assert.equal(parseCsr(makeCsr(k, { subject: '' })).anonymous, true);
  assert.equal(parseCsr(makeCsr(k, { subject: 'Hong Gildong' })).anonymous, false);
});

test('UNSUPPORTED_KEY: a canonical-looking P-256 / P-384 SPKI whose point is off the curve or out of range', () => {
  for (const kind of ['P-256', 'P-384'] as const) {
    const k = keyPair(kind);
    const der = derOf(makeCsr(k, { hash: kind === 'P-384' ? 'sha384' : 'sha256' }));
    const spki = k.publicKey.export({ format: 'der', type: 'spki' });
    const at = der.indexOf(spki);
    assert.ok(at > 0);
    const offCurve = Buffer.from(der);
    offCurve[at + spki.length - 1]! ^= 0x01; // last byte of y
    assert.throws(() => parseCsr(toPem(offCurve, 'CERTIFICATE REQUEST')), refused('UNSUPPORTED_KEY'), kind);
    const outOfRange = Buffer.from(der);
    const n = kind === 'P-256' ? 32 : 48;
    outOfRange.fill(0xff, at + spki.length - 2 * n, at + spki.length - n); // x = 2^bits − 1 ≥ p
    assert.throws(() => parseCsr(toPem(outOfRange, 'CERTIFICATE REQUEST')), refused('UNSUPPORTED_KEY'), kind);
  }
});
