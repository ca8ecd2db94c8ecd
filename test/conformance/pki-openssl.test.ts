/**
 * Conformance of issued chains with OpenSSL and GnuTLS: root → Validator CA → Block Issuer CA → leaf (and the
 * delegated OCSP responder certificate) verify with `openssl verify -x509_strict` and `certtool --verify`, and
 * `openssl x509 -text` shows the profile of docs/pki.md. NSS (`certutil`, `vfychain`) validates the leaves for
 * email signing and the responder certificate for OCSP status responder usage. Outside CI a missing tool skips with
 * a message that names it; with CI=true a missing tool fails (.ci/run installs gnutls-bin and libnss3-tools).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProposerBlockIssuer } from '../../src/pki/block-issuer.js';
import { createRoot, encryptKey } from '../../src/pki/ceremony.js';
import { parseCsr } from '../../src/pki/csr.js';
import { toPem } from '../../src/pki/tbs.js';
import { LOOPCHAIN_ARC, POLICY_END_ENTITY, POLICY_OCSP_RESPONDER } from '../../src/pki/profiles.js';
import {
  CONSORTIUM,
  hierarchy,
  keyPair,
  makeCsr,
  OCSP_URL,
  profile,
  seededRandom,
  validatorParent,
} from '../helpers/pki-fixture.js';

function run(cmd: string, args: string[], env: Record<string, string> = {}): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], { encoding: 'utf8' }).error === undefined;
}

/** Skips outside CI with the tool named; fails in CI, where a missing tool is a broken environment. */
function requireTool(t: TestContext, tool: string, pkg: string): boolean {
  if (has(tool)) return true;
  const msg = `${tool} is missing: install ${pkg} (apt-get install -y ${pkg}; .ci/run does this in CI)`;
  if (process.env.CI === 'true') assert.fail(msg);
  t.skip(msg);
  return false;
}

const dir = mkdtempSync(join(tmpdir(), 'pki-conformance-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const PERSONAL = 'Hong Gildong 800101-1234567';

const { root, validatorCa } = hierarchy();
const issuer = new ProposerBlockIssuer(profile(), {
  validatorCa: validatorParent(),
  validatorCaKey: validatorCa.privateKey,
  random: seededRandom(11),
});
const leaves = (['P-256', 'P-384', 'RSA-2048'] as const).map((kind, i) => {
  const csr = parseCsr(
    makeCsr(keyPair(kind), { subject: PERSONAL, hash: kind === 'P-384' ? 'sha384' : 'sha256' }),
  );
  const { tbs } = issuer.builder().endEntity({
    txHash: new Uint8Array(32).fill(0x40 + i),
    index: 0,
    firm: 'Firm A Securities',
    subjectId: `ps_${'0123456789abcdef'.repeat(2)}_${i}`,
    spki: csr.spki,
    validityDays: 1095,
  });
  return issuer.sign(tbs);
});
const responder = issuer.sign(
  issuer.builder().responder({ responder: 'kofia-ocsp-1', spki: parseCsr(makeCsr(keyPair('P-256'))).spki })
    .tbs,
);
const record = issuer.finish()!;

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const rootPem = file('root.pem', toPem(root.certificate));
const chainPem = file('chain.pem', toPem(record.issuerCertificate) + toPem(validatorCa.certificate));
const leafPems = leaves.map((l, i) => file(`leaf${i}.pem`, toPem(l)));
const responderPem = file('responder.pem', toPem(responder));
const tampered = Uint8Array.from(leaves[0]!);
tampered[tampered.length - 4]! ^= 0x01;
const tamperedPem = file('tampered.pem', toPem(tampered));

test('openssl verify -x509_strict accepts every issued leaf and the responder certificate', (t) => {
  if (!requireTool(t, 'openssl', 'openssl')) return;
  for (const leaf of [...leafPems, responderPem]) {
    const r = run('openssl', ['verify', '-x509_strict', '-CAfile', rootPem, '-untrusted', chainPem, leaf]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /: OK\n/);
  }
  // The assertion can fail: a flipped signature bit, or a chain without the block issuer, is refused.
  assert.notEqual(
    run('openssl', ['verify', '-x509_strict', '-CAfile', rootPem, '-untrusted', chainPem, tamperedPem]).code,
    0,
  );
  const noIssuer = file('vca-only.pem', toPem(validatorCa.certificate));
  assert.notEqual(
    run('openssl', ['verify', '-x509_strict', '-CAfile', rootPem, '-untrusted', noIssuer, leafPems[0]!]).code,
    0,
  );
});

test('openssl x509 -text shows the documented end-entity profile, and nothing from the CSR subject', (t) => {
  if (!requireTool(t, 'openssl', 'openssl')) return;
  const r = run('openssl', ['x509', '-in', leafPems[0]!, '-noout', '-text']);
  assert.equal(r.code, 0, r.out);
  const lines = r.out.split('\n').map((l) => l.trim());
  const after = (header: string): string => lines[lines.findIndex((l) => l.startsWith(header)) + 1] ?? '';
  assert.ok(lines.includes('Version: 3 (0x2)'));
  assert.ok(
    lines.includes(
      `Subject: O = ${CONSORTIUM}, OU = Firm A Securities, CN = ps_${'0123456789abcdef'.repeat(2)}_0`,
    ),
  );
  assert.ok(lines.includes(`Issuer: O = ${CONSORTIUM}, OU = channel kofia, CN = Block Issuer CA kofia 42`));
  assert.ok(lines.includes('X509v3 Basic Constraints: critical'));
  assert.equal(after('X509v3 Basic Constraints: critical'), 'CA:FALSE');
  assert.ok(lines.includes('X509v3 Key Usage: critical'));
  assert.equal(after('X509v3 Key Usage: critical'), 'Digital Signature, Non Repudiation');
  assert.equal(after('X509v3 Certificate Policies:'), `Policy: ${POLICY_END_ENTITY}`);
  assert.equal(after('Authority Information Access:'), `OCSP - URI:${OCSP_URL}`);
  assert.ok(lines.includes('X509v3 Authority Key Identifier:'));
  assert.ok(lines.includes('X509v3 Subject Key Identifier:'));
  assert.ok(lines.includes('Signature Algorithm: ecdsa-with-SHA256'));
  assert.equal(lines.filter((l) => /^(X509v3 (?!extensions)|Authority Information)/.test(l)).length, 6);
  assert.doesNotMatch(r.out, /Hong|800101/);
  const rsa = run('openssl', ['x509', '-in', leafPems[2]!, '-noout', '-text']).out;
  assert.match(rsa, /Public-Key: \(2048 bit\)/);
});

test('openssl x509 -text shows the responder profile (OCSPSigning, ocsp-nocheck) and the CA profiles', (t) => {
  if (!requireTool(t, 'openssl', 'openssl')) return;
  const r = run('openssl', ['x509', '-in', responderPem, '-noout', '-text']).out;
  assert.match(r, /X509v3 Extended Key Usage: \n\s+OCSP Signing/);
  assert.match(r, /OCSP No Check/);
  assert.match(r, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
  assert.match(r, new RegExp(`Policy: ${POLICY_OCSP_RESPONDER.replace(/\./g, '\\.')}`));
  const bi = file('issuer.pem', toPem(record.issuerCertificate));
  const biText = run('openssl', ['x509', '-in', bi, '-noout', '-text']).out;
  assert.match(biText, /X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0/);
  assert.match(biText, /X509v3 Key Usage: critical\n\s+Certificate Sign\n/);
  const vcaText = run('openssl', [
    'x509',
    '-in',
    file('vca.pem', toPem(validatorCa.certificate)),
    '-noout',
    '-text',
  ]).out;
  assert.match(vcaText, /CA:TRUE, pathlen:1/);
  const rootText = run('openssl', ['x509', '-in', rootPem, '-noout', '-text']).out;
  assert.match(rootText, /CA:TRUE, pathlen:2/);
  assert.match(rootText, /Certificate Sign, CRL Sign/);
  assert.match(rootText, /ASN1 OID: secp384r1/);
});

test('GnuTLS certtool --verify accepts the chains and parses every extension', (t) => {
  if (!requireTool(t, 'certtool', 'gnutls-bin')) return;
  for (const [i, leaf] of [...leaves, responder].entries()) {
    const bundle = file(
      `bundle${i}.pem`,
      toPem(leaf) + toPem(record.issuerCertificate) + toPem(validatorCa.certificate),
    );
    const r = run('certtool', [
      '--verify',
      '--verify-profile=medium',
      '--load-ca-certificate',
      rootPem,
      '--infile',
      bundle,
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Chain verification output: Verified\. The certificate is trusted\./);
  }
  const bad = file(
    'bad-bundle.pem',
    toPem(tampered) + toPem(record.issuerCertificate) + toPem(validatorCa.certificate),
  );
  assert.notEqual(run('certtool', ['--verify', '--load-ca-certificate', rootPem, '--infile', bad]).code, 0);
  // certtool -i decodes every extension (a policy OID under a 128-bit arc would fail here).
  const info = run('certtool', ['-i', '--infile', leafPems[0]!]);
  assert.equal(info.code, 0, info.out);
  assert.doesNotMatch(info.out, /error/i);
  assert.match(info.out, new RegExp(LOOPCHAIN_ARC.replace(/\./g, '\\.')));
});

test('ceremony keys are PKCS#8 that openssl decrypts with the passphrase, and only with it', (t) => {
  if (!requireTool(t, 'openssl', 'openssl')) return;
  const ca = createRoot({ consortium: 'KOFIA Test', notBefore: new Date() });
  const keyFile = file('root.key.pem', encryptKey(ca.privateKey, 'a long enough passphrase'));
  assert.equal(
    run('openssl', ['pkey', '-in', keyFile, '-passin', 'env:P', '-noout'], { P: 'a long enough passphrase' })
      .code,
    0,
  );
  assert.notEqual(
    run('openssl', ['pkey', '-in', keyFile, '-passin', 'env:P', '-noout'], { P: 'wrong passphrase' }).code,
    0,
  );
});

/** A fresh NSS sql: database (under the fixture directory, so removed with it) with the root imported as `trust`. */
function nssDb(name: string, trust: string): string {
  const db = join(dir, name);
  mkdirSync(db);
  const init = run('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  assert.equal(init.code, 0, init.out);
  const add = run('certutil', ['-A', '-d', `sql:${db}`, '-n', 'loopchain-root', '-t', trust, '-i', rootPem]);
  assert.equal(add.code, 0, add.out);
  return db;
}

let derFiles = 0;
/**
 * `vfychain -p` (CERT_VerifyCertificate) on DER files: the first certificate is validated, the others are offered
 * as intermediates. No -f, so nothing is fetched from the AIA URL, and no revocation checking is enabled.
 */
function vfychain(db: string, usage: number, certs: Uint8Array[]): { code: number; out: string } {
  const files = certs.map((c) => {
    const p = join(dir, `nss-${derFiles++}.der`);
    writeFileSync(p, c);
    return p;
  });
  return run('vfychain', ['-d', `sql:${db}`, '-p', '-u', String(usage), ...files]);
}

const requireNss = (t: TestContext): boolean =>
  requireTool(t, 'certutil', 'libnss3-tools') && requireTool(t, 'vfychain', 'libnss3-tools');
const intermediates = [record.issuerCertificate, validatorCa.certificate];

test('NSS vfychain validates every leaf for email signing (usage 4) and refuses a tampered leaf', (t) => {
  if (!requireNss(t)) return;
  // The leaf is a signing certificate: keyUsage digitalSignature+nonRepudiation, no EKU. NSS's email-signer usage
  // (-u 4) is the one whose purpose is exactly that (it asks for digitalSignature or nonRepudiation); object signing
  // (-u 6) needs the codeSigning EKU or a Netscape cert type, and the OCSP responder usage needs id-kp-OCSPSigning,
  // so NSS refuses both. NSS checks the anchor's trust per usage: "C,," (SSL column only) gives -8172 "issuer
  // marked as not trusted" for email signing, so the root is trusted as a CA in the email column too ("C,C,").
  const db = nssDb('nssdb-email', 'C,C,');
  for (const leaf of leaves) {
    const r = vfychain(db, 4, [leaf, ...intermediates]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Chain is good!/);
  }
  // The assertions can fail: a flipped signature bit, a missing Block Issuer CA, or a usage the profile does not
  // grant is refused.
  const bad = vfychain(db, 4, [tampered, ...intermediates]);
  assert.notEqual(bad.code, 0, bad.out);
  assert.match(bad.out, /-8182/); // SEC_ERROR_BAD_SIGNATURE
  const noIssuer = vfychain(db, 4, [leaves[0]!, validatorCa.certificate]);
  assert.notEqual(noIssuer.code, 0, noIssuer.out);
  assert.match(noIssuer.out, /-8179/); // SEC_ERROR_UNKNOWN_ISSUER
  for (const usage of [6, 10]) {
    const r = vfychain(db, usage, [leaves[0]!, ...intermediates]);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /-8101/); // SEC_ERROR_INADEQUATE_CERT_TYPE
  }
  const sslOnly = vfychain(nssDb('nssdb-ssl-only', 'C,,'), 4, [leaves[0]!, ...intermediates]);
  assert.notEqual(sslOnly.code, 0, sslOnly.out);
  assert.match(sslOnly.out, /-8172/); // SEC_ERROR_UNTRUSTED_ISSUER
});

test('NSS vfychain validates the delegated responder certificate for OCSP status responder usage (10)', (t) => {
  if (!requireNss(t)) return;
  // certUsageStatusResponder needs id-kp-OCSPSigning in the EKU, which the responder profile carries; the CA trust
  // of the root ("C,,") is enough for it.
  const db = nssDb('nssdb-ocsp', 'C,,');
  const r = vfychain(db, 10, [responder, ...intermediates]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Chain is good!/);
  // ...and it is a responder certificate only: NSS refuses it for email signing.
  const asSigner = vfychain(nssDb('nssdb-ocsp-email', 'C,C,'), 4, [responder, ...intermediates]);
  assert.notEqual(asSigner.code, 0, asSigner.out);
  assert.match(asSigner.out, /-8101/);
});
