import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { oid, time, uint, tlv, readElement } from '../../src/pki/der.js';
import {
  BlockTbsBuilder,
  assembleCertificate,
  deriveSerial,
  endEntitySerial,
  keyIdentifier,
} from '../../src/pki/tbs.js';
import { blockIssuerName, POLICY_END_ENTITY, validityWindow } from '../../src/pki/profiles.js';
import { PkiError } from '../../src/pki/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

// Fixed inputs of the golden vector (a P-256 key made once from a seeded scalar; 2026-11-01T00:00:00.123456Z).
const SPKI = unhex(
  '3059301306072a8648ce3d020106082a8648ce3d03010703420004fe8abc814c20ea8b2c41f84fca0e24141ed43fe1f7c7236bf4bbbba64ca439bb8195238238fb8a9cf152d2efff00552698917817972e3bcd8c884f32900068c5',
);
const CONSORTIUM = 'KOFIA Joint Authentication';
const PROFILE = {
  channel: 'kofia',
  height: 42n,
  parentHash: new Uint8Array(32).fill(0x11),
  blockTimeUs: 1_793_491_200_123_456n,
  consortium: CONSORTIUM,
  ocspUrl: 'http://ocsp.kofia.example/ocsp',
};
const ISSUER = { name: blockIssuerName(CONSORTIUM, 'kofia', 42n), keyId: new Uint8Array(20).fill(0xaa) };
const INPUT = {
  txHash: new Uint8Array(32).fill(0x22),
  index: 0,
  firm: 'Firm A Securities',
  subjectId: 'ps_0123456789abcdef',
  spki: SPKI,
  validityDays: 365,
};
/** Checked once field by field with `openssl asn1parse -i`; below, every field is parsed back with @peculiar/x509. */
const GOLDEN_SERIAL = '2fdbf57216c15af3c506ec4dab504000';
const GOLDEN_TBS =
  '3082021ca00302010202102fdbf57216c15af3c506ec4dab504000300a06082a8648ce3d040302306031233021060355040a' +
  '0c1a4b4f464941204a6f696e742041757468656e7469636174696f6e31163014060355040b0c0d6368616e6e656c206b6f66' +
  '69613121301f06035504030c18426c6f636b20497373756572204341206b6f666961203432301e170d323631313031303030' +
  '3030305a170d3237313033313233353935395a305f31233021060355040a0c1a4b4f464941204a6f696e742041757468656e' +
  '7469636174696f6e311a3018060355040b0c114669726d20412053656375726974696573311c301a06035504030c1370735f' +
  '303132333435363738396162636465663059301306072a8648ce3d020106082a8648ce3d03010703420004fe8abc814c20ea' +
  '8b2c41f84fca0e24141ed43fe1f7c7236bf4bbbba64ca439bb8195238238fb8a9cf152d2efff00552698917817972e3bcd8c' +
  '884f32900068c5a381b83081b5300c0603551d130101ff04023000300e0603551d0f0101ff0404030206c030190603551d20' +
  '04123010300e060c2b0601040181fd59b6590101303a06082b06010505070101042e302c302a06082b06010505073001861e' +
  '687474703a2f2f6f6373702e6b6f6669612e6578616d706c652f6f637370301f0603551d23041830168014aaaaaaaaaaaaaa' +
  'aaaaaaaaaaaaaaaaaaaaaaaaaa301d0603551d0e0416041468d4d6ebb33c7afdbe3181d6a445f495a58fc558';

test('golden: fixed inputs give exactly the expected TBSCertificate DER', () => {
  const { serial, tbs } = new BlockTbsBuilder(PROFILE, ISSUER).endEntity(INPUT);
  assert.equal(hex(serial), GOLDEN_SERIAL);
  assert.equal(hex(tbs), GOLDEN_TBS);
  // Same bytes from a second builder and a second call (no hidden state).
  const again = new BlockTbsBuilder(PROFILE, ISSUER);
  again.endEntity({ ...INPUT, index: 1 });
  assert.equal(hex(again.endEntity(INPUT).tbs), GOLDEN_TBS);
});

test('golden: every field parses with @peculiar/x509 as the profile says', () => {
  const { tbs } = new BlockTbsBuilder(PROFILE, ISSUER).endEntity(INPUT);
  const cert = new x509.X509Certificate(
    assembleCertificate(tbs, 'ecdsa-with-SHA256', unhex('3006020101020101')),
  );
  assert.equal(cert.serialNumber, GOLDEN_SERIAL);
  assert.equal(cert.subject, 'O=KOFIA Joint Authentication, OU=Firm A Securities, CN=ps_0123456789abcdef');
  assert.equal(cert.issuer, 'O=KOFIA Joint Authentication, OU=channel kofia, CN=Block Issuer CA kofia 42');
  assert.equal(cert.notBefore.toISOString(), '2026-11-01T00:00:00.000Z');
  assert.equal(cert.notAfter.toISOString(), '2027-10-31T23:59:59.000Z');
  assert.equal(hex(new Uint8Array(cert.publicKey.rawData)), hex(SPKI));
  const bc = cert.getExtension(x509.BasicConstraintsExtension)!;
  assert.equal(bc.ca, false);
  assert.equal(bc.critical, true);
  const ku = cert.getExtension(x509.KeyUsagesExtension)!;
  assert.equal(ku.critical, true);
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
  const cp = cert.getExtension(x509.CertificatePolicyExtension)!;
  assert.deepEqual([...cp.policies], [POLICY_END_ENTITY]);
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension)!;
  assert.deepEqual(
    aia.ocsp.map((g) => g.value),
    ['http://ocsp.kofia.example/ocsp'],
  );
  assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId, 'aa'.repeat(20));
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  assert.equal(ski, hex(keyIdentifier(SPKI)));
  assert.equal(cert.extensions.length, 6);
});

test('serial: SHA-256 of length-prefixed (label, channel, parent hash, tx hash, index), 16 bytes, positive', () => {
  const lp = (b: Uint8Array): Buffer => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return Buffer.concat([l, b]);
  };
  const idx = Buffer.alloc(4);
  idx.writeUInt32BE(7);
  const enc = new TextEncoder();
  const h = createHash('sha256')
    .update(lp(enc.encode('loopchain-ca/serial/end-entity/v1')))
    .update(lp(enc.encode('kofia')))
    .update(lp(PROFILE.parentHash))
    .update(lp(INPUT.txHash))
    .update(lp(idx))
    .digest();
  const want = Buffer.from(h.subarray(0, 16));
  want[0] = want[0]! & 0x7f || 1;
  assert.equal(hex(endEntitySerial('kofia', PROFILE.parentHash, INPUT.txHash, 7)), want.toString('hex'));
  // Any field changes the serial.
  const base = hex(endEntitySerial('kofia', PROFILE.parentHash, INPUT.txHash, 7));
  assert.notEqual(hex(endEntitySerial('kofia', PROFILE.parentHash, INPUT.txHash, 8)), base);
  assert.notEqual(hex(endEntitySerial('chat', PROFILE.parentHash, INPUT.txHash, 7)), base);
  assert.notEqual(hex(endEntitySerial('kofia', INPUT.txHash, INPUT.txHash, 7)), base);
});

test('serial: the first byte is always in 0x01..0x7f, so the DER INTEGER is exactly 16 minimal bytes', () => {
  let sawZeroCase = false;
  for (let i = 0; i < 4000; i++) {
    const fields = [Uint8Array.of(i & 0xff, i >> 8)];
    const raw = createHash('sha256')
      .update(Buffer.from([0, 0, 0, 4, ...new TextEncoder().encode('test')]))
      .update(Buffer.from([0, 0, 0, 2, ...fields[0]!]))
      .digest();
    const s = deriveSerial('test', fields);
    assert.equal(s.length, 16);
    assert.ok(s[0]! >= 1 && s[0]! <= 0x7f);
    if ((raw[0]! & 0x7f) === 0) {
      sawZeroCase = true;
      assert.equal(s[0], 1);
    }
    assert.equal(uint(s).length, 18); // tag, length 16, no 0x00 pad
  }
  assert.ok(sawZeroCase, 'the 0x00/0x80 first-byte case occurs in 4,000 draws');
});

test('DER primitives: OIDs, integers, long lengths and the UTCTime/GeneralizedTime switch at 2050', () => {
  assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(uint(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(uint(Uint8Array.of(0, 0, 5))), '020105');
  assert.equal(hex(tlv(0x04, new Uint8Array(200))).slice(0, 6), '0481c8');
  assert.equal(hex(tlv(0x04, new Uint8Array(300))).slice(0, 8), '0482012c');
  assert.equal(
    new TextDecoder().decode(time(Date.UTC(2049, 11, 31, 23, 59, 59) / 1000).subarray(2)),
    '491231235959Z',
  );
  const g = time(Date.UTC(2050, 0, 1) / 1000);
  assert.equal(g[0], 0x18);
  assert.equal(new TextDecoder().decode(g.subarray(2)), '20500101000000Z');
  assert.throws(() => readElement(Uint8Array.of(0x30, 0x81, 0x05, 0, 0, 0, 0, 0), 0), /non-minimal/);
  assert.throws(() => readElement(Uint8Array.of(0x30, 0x80, 0, 0), 0), /unsupported length/);
});

test('validity: from block time to the second, days × 86,400 − 1 s, within the policy maximum', () => {
  const w = validityWindow(1_000_000_999_999n, 1, 1095);
  assert.deepEqual(w, { notBefore: 1_000_000, notAfter: 1_000_000 + 86_399 });
  for (const days of [0, -1, 1.5, 1096, Number.NaN]) {
    assert.throws(
      () => validityWindow(0n, days, 1095),
      (e: unknown) => e instanceof PkiError && e.code === 'BAD_VALIDITY',
    );
  }
  const b = new BlockTbsBuilder({ ...PROFILE, maxValidityDays: 30 }, ISSUER);
  assert.throws(
    () => b.endEntity({ ...INPUT, validityDays: 31 }),
    (e: unknown) => (e as PkiError).code === 'BAD_VALIDITY',
  );
});

test('subject: only a pseudonym of safe characters, and bounded firm names', () => {
  const b = new BlockTbsBuilder(PROFILE, ISSUER);
  for (const subjectId of ['Hong Gildong', 'short', 'x'.repeat(65), 'ps_01234567\n', '홍길동홍길동홍길동']) {
    assert.throws(
      () => b.endEntity({ ...INPUT, subjectId }),
      (e: unknown) => e instanceof PkiError && e.code === 'BAD_SUBJECT_ID',
      subjectId,
    );
  }
  assert.throws(
    () => b.endEntity({ ...INPUT, firm: 'F'.repeat(65) }),
    (e: unknown) => (e as PkiError).code === 'BAD_NAME',
  );
  assert.throws(
    () => b.endEntity({ ...INPUT, firm: 'Firm\u0000A' }),
    (e: unknown) => (e as PkiError).code === 'BAD_NAME',
  );
  assert.throws(
    () => b.endEntity({ ...INPUT, spki: Uint8Array.of(1, 2, 3) }),
    (e: unknown) => (e as PkiError).code === 'BAD_KEY',
  );
});
