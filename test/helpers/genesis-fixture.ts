/**
 * Certificates and a valid genesis config for genesis tests. The certificates are made with the openssl
 * command line (no network): a consortium root (self-signed P-256 CA), a Validator CA issued by it, a
 * self-signed certificate that is not a CA, and an unrelated second root. The genesis timestamp is derived
 * from the root's notBefore, so it always falls inside the root's validity.
 */
import { execFileSync } from 'node:child_process';
import { createECDH, createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** PEM texts. */
  readonly root: string;
  readonly validatorCa: string;
  readonly notCa: string;
  readonly otherRoot: string;
  readonly otherValidatorCa: string;
  /** A genesis timestamp (µs) one hour after the root's notBefore. */
  readonly timestamp: number;
}

const MIN_CNF = '[req]\ndistinguished_name = dn\n[dn]\n';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSigned(dir: string, name: string, subject: string, ca: boolean): void {
  openssl(dir, [
    'req',
    '-x509',
    '-config',
    'min.cnf',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-subj',
    subject,
    '-days',
    '3650',
    '-addext',
    `basicConstraints=critical,CA:${ca ? 'TRUE' : 'FALSE'}`,
    ...(ca ? ['-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : []),
  ]);
}

function issued(dir: string, name: string, subject: string, issuer: string): void {
  openssl(dir, [
    'req',
    '-new',
    '-config',
    'min.cnf',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-set_serial',
    '0x1234',
    '-days',
    '365',
    '-extfile',
    'ca.ext',
    '-out',
    `${name}.pem`,
  ]);
}

/** Makes the test certificates in a fresh temporary directory (the caller removes `dir`). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lc-genesis-pki-'));
  writeFileSync(join(dir, 'min.cnf'), MIN_CNF);
  writeFileSync(
    join(dir, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:1\nkeyUsage=critical,keyCertSign\n',
  );
  selfSigned(dir, 'root', '/CN=Test Consortium Root/O=Test Consortium', true);
  selfSigned(dir, 'not-ca', '/CN=Not A CA', false);
  selfSigned(dir, 'other-root', '/CN=Other Root', true);
  issued(dir, 'validator-ca', '/CN=Validator 1 CA/O=Test Consortium', 'root');
  issued(dir, 'other-validator-ca', '/CN=Stranger CA', 'other-root');
  const read = (name: string): string => readFileSync(join(dir, `${name}.pem`), 'utf8');
  const root = read('root');
  const notBefore = Date.parse(new X509Certificate(root).validFrom);
  return {
    dir,
    root,
    validatorCa: read('validator-ca'),
    notCa: read('not-ca'),
    otherRoot: read('other-root'),
    otherValidatorCa: read('other-validator-ca'),
    timestamp: (notBefore + 3_600_000) * 1000,
  };
}

/** `openssl x509 -fingerprint -sha256` of a PEM file, as openssl prints it (AA:BB:…). */
export function opensslFingerprint(dir: string, file: string): string {
  const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return out.trim().split('=')[1]!;
}

export function address(label: string, prefix: 'hx' | 'cx' = 'hx'): `hx${string}` {
  return `${prefix}${createHash('sha3-256').update(label).digest('hex').slice(24)}` as `hx${string}`;
}

/** A P-256 SubjectPublicKeyInfo (hex, no 0x) from a fixed private key. */
export function p256Spki(seed: number, curve = 'prime256v1'): string {
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.alloc(32, seed));
  const jwkKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: curve === 'prime256v1' ? 'P-256' : 'secp256k1',
      x: ecdh.getPublicKey().subarray(1, 33).toString('base64url'),
      y: ecdh.getPublicKey().subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  return jwkKey.export({ type: 'spki', format: 'der' }).toString('hex');
}

export const ADMIN1 = address('admin-1');
export const ADMIN2 = address('admin-2');
export const ADMIN3 = address('admin-3');
export const FIRM_A = address('firm-a');
export const AUDITOR = address('auditor');
export const OCSP = address('ocsp');
export const V1 = address('validator-1');
export const V2 = address('validator-2');
export const V3 = address('validator-3');
export const GOVERNANCE = `cx${'00'.repeat(19)}01`;
export const CHAT = `cx${'00'.repeat(19)}02`;

/** A raw config as JSON.parse gives it; tests edit it freely to make each mistake. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape, on purpose
export type RawConfig = Record<string, any>;

/**
 * A valid raw config (as parsed from JSON). The root certificate is named by file (`root.pem`, relative to
 * the config's directory); validator 1 brings a Validator CA inline; admin 2 also runs validator 4.
 */
export function validRawConfig(pki: TestPki): RawConfig {
  return {
    channel: 'kofia',
    nid: '0x3',
    timestamp: pki.timestamp,
    rootCertificate: { file: 'root.pem' },
    validators: [
      { name: 'Validator 1', address: V1, caCertificate: { pem: pki.validatorCa } },
      { name: 'Validator 2', address: V2 },
      { name: 'Validator 3', address: V3 },
      { name: 'Firm B', address: ADMIN2 },
    ],
    members: [
      { name: 'KOFIA', address: ADMIN1, roles: ['admin'] },
      { name: 'Firm B', address: ADMIN2, roles: ['ra', 'admin'] },
      { name: 'Firm C', address: ADMIN3, roles: ['admin'] },
      { name: 'Firm A', address: FIRM_A, roles: ['ra'] },
      { name: 'Audit Co', address: AUDITOR, roles: ['auditor'] },
      { name: 'OCSP Co', address: OCSP, roles: ['ocsp'] },
    ],
    threshold: 2,
    responderKeys: [{ responder: OCSP, name: 'ocsp-1', publicKey: `0x${p256Spki(7).toUpperCase()}` }],
    consensus: { leaderTerm: 10, baseTimeoutMs: 1000, maxTimeoutMs: 30000 },
    scores: [
      { name: 'governance', address: GOVERNANCE, source: 'contracts/governance' },
      { name: 'chat', address: CHAT, source: 'contracts/chat', owner: FIRM_A },
    ],
  };
}
