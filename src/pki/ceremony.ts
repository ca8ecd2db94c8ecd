/**
 * Key ceremonies of the consortium hierarchy (docs/pki.md): the offline root, a Validator CA for a validator
 * institution, and an OCSP responder key with its governance registration request. These run on an operator's
 * machine, not in the deterministic core, so they use the system clock and CSPRNG given by the CLI.
 * Private keys leave memory only as encrypted PKCS#8 in new files of mode 0600.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentCa } from './block-issuer.js';
import { CeremonyError } from './errors.js';
import { implicitPrimitive, octets, oid, seq } from './der.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  keyUsage,
  name,
  rootName,
  SECONDS_PER_DAY,
  subjectKeyIdentifier,
  validatorCaName,
  type SignatureAlgorithm,
} from './profiles.js';
import { assembleCertificate, buildTbs, caPolicies, keyFingerprint, keyIdentifier } from './tbs.js';

export type CaCurve = 'P-256' | 'P-384';
export const MIN_PASSPHRASE_CHARS = 12;
export const ADDRESS_PATTERN = /^hx[0-9a-f]{40}$/;

export interface IssuedCa {
  certificate: Uint8Array;
  privateKey: KeyObject;
}

const spkiOf = (k: KeyObject): Uint8Array =>
  new Uint8Array(createPublicKey(k).export({ format: 'der', type: 'spki' }));
const algFor = (curve: string | undefined): SignatureAlgorithm =>
  curve === 'secp384r1' ? 'ecdsa-with-SHA384' : 'ecdsa-with-SHA256';
const HASH = { 'ecdsa-with-SHA256': 'sha256', 'ecdsa-with-SHA384': 'sha384' } as const;

/** A random positive 16-byte serial (CA certificates are made once, by ceremony, not per block). */
function randomSerial(): Uint8Array {
  const s = new Uint8Array(randomBytes(16));
  s[0] = s[0]! & 0x7f || 0x01;
  return s;
}

function window(notBefore: Date, years: number): { notBefore: number; notAfter: number } {
  if (!Number.isInteger(years) || years < 1 || years > 50)
    throw new CeremonyError('BAD_ARGUMENT', 'validity years must be 1..50');
  const nb = Math.floor(notBefore.getTime() / 1000);
  return { notBefore: nb, notAfter: nb + Math.round(years * 365.25) * SECONDS_PER_DAY - 1 };
}

function signTbs(tbs: Uint8Array, alg: SignatureAlgorithm, key: KeyObject): Uint8Array {
  return assembleCertificate(tbs, alg, new Uint8Array(sign(HASH[alg], tbs, { key, dsaEncoding: 'der' })));
}

/** Consortium Root CA: self-signed, pathLen 2 (Validator CA, Block Issuer CA), keyCertSign + cRLSign. */
export function createRoot(o: {
  consortium: string;
  curve?: CaCurve;
  notBefore: Date;
  validityYears?: number;
}): IssuedCa {
  const curve = o.curve ?? 'P-384';
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const spki = spkiOf(privateKey);
  const keyId = keyIdentifier(spki);
  const alg = algFor(privateKey.asymmetricKeyDetails?.namedCurve);
  const name = rootName(o.consortium);
  const tbs = buildTbs({
    serial: randomSerial(),
    signatureAlgorithm: alg,
    issuer: name,
    ...window(o.notBefore, o.validityYears ?? 20),
    subject: name,
    spki,
    extensions: [
      basicConstraints(true, 2),
      keyUsage(['keyCertSign', 'cRLSign']),
      subjectKeyIdentifier(keyId),
      authorityKeyIdentifier(keyId),
    ],
  });
  return { certificate: signTbs(tbs, alg, privateKey), privateKey };
}

/** Validator CA for one validator institution: pathLen 1, keyCertSign, both consortium policies. */
export function issueValidatorCa(o: {
  root: IssuedCa;
  consortium: string;
  institution: string;
  address: string;
  curve?: CaCurve;
  notBefore: Date;
  validityYears?: number;
}): IssuedCa {
  if (!ADDRESS_PATTERN.test(o.address))
    throw new CeremonyError('BAD_ARGUMENT', 'the validator address must be hx + 40 lowercase hex digits');
  const root = parentCa(o.root.certificate);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: o.curve ?? 'P-256' });
  const spki = spkiOf(privateKey);
  const validity = window(o.notBefore, o.validityYears ?? 10);
  if (validity.notAfter > root.parts.notAfter) {
    throw new CeremonyError(
      'BAD_ARGUMENT',
      'the Validator CA would outlive the root; shorten --validity-years',
    );
  }
  const tbs = buildTbs({
    serial: randomSerial(),
    signatureAlgorithm: root.signatureAlgorithm,
    issuer: root.parts.subject,
    ...validity,
    subject: validatorCaName(o.consortium, o.institution, o.address),
    spki,
    extensions: [
      basicConstraints(true, 1),
      keyUsage(['keyCertSign']),
      caPolicies(),
      subjectKeyIdentifier(keyIdentifier(spki)),
      authorityKeyIdentifier(root.keyId),
    ],
  });
  return { certificate: signTbs(tbs, root.signatureAlgorithm, o.root.privateKey), privateKey };
}

/** The payload of governance's `registerResponderKey` (docs/governance.md) for a new P-256 responder key. */
export interface ResponderRegistration {
  kind: 'registerResponderKey';
  payload: { responder?: string; publicKey: string; name: string };
  fingerprint: string;
}

export function createOcspResponderKey(o: { name: string; responder?: string }): {
  privateKey: KeyObject;
  registration: ResponderRegistration;
} {
  if (o.name.length === 0 || o.name.length > 64)
    throw new CeremonyError('BAD_ARGUMENT', 'the responder name must be 1..64 characters');
  if (o.responder !== undefined && !ADDRESS_PATTERN.test(o.responder)) {
    throw new CeremonyError('BAD_ARGUMENT', 'the responder address must be hx + 40 lowercase hex digits');
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = spkiOf(privateKey);
  return {
    privateKey,
    registration: {
      kind: 'registerResponderKey',
      payload: {
        ...(o.responder ? { responder: o.responder } : {}),
        publicKey: `0x${Buffer.from(spki).toString('hex')}`,
        name: o.name,
      },
      fingerprint: keyFingerprint(spki),
    },
  };
}

// ---- key files ----------------------------------------------------------------------------------------------

export function checkPassphrase(p: string | undefined, what: string): string {
  if (p === undefined || p === '') throw new CeremonyError('NO_PASSPHRASE', `no passphrase for ${what}`);
  if (p.length < MIN_PASSPHRASE_CHARS) {
    throw new CeremonyError(
      'NO_PASSPHRASE',
      `the passphrase for ${what} must have at least ${MIN_PASSPHRASE_CHARS} characters`,
    );
  }
  return p;
}

/** PKCS#8 EncryptedPrivateKeyInfo, PBES2 with AES-256-CBC as OpenSSL writes it (`openssl pkey` reads it). */
export const encryptKey = (key: KeyObject, passphrase: string): string =>
  key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;

export function decryptKey(pem: string, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch {
    throw new CeremonyError('BAD_PASSPHRASE', 'the key file cannot be decrypted with this passphrase');
  }
}

/** Checks a key belongs to a certificate (same public key), so a mixed-up root directory is refused early. */
export function checkKeyMatches(certificate: Uint8Array, key: KeyObject): void {
  if (keyFingerprint(spkiOf(key)) !== keyFingerprint(parentCa(certificate).parts.spki)) {
    throw new CeremonyError('BAD_FILE', 'the private key does not belong to the certificate');
  }
}

/**
 * Writes new files only: every target is checked first (nothing is half-written when one exists), then each
 * is created with O_EXCL ('wx'), keys with mode 0600. Effects: creates files in `dir`.
 */
export function writeNewFiles(
  dir: string,
  files: readonly { name: string; data: string; secret?: boolean }[],
): string[] {
  const paths = files.map((f) => join(dir, f.name));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length) throw new CeremonyError('EXISTS', `refusing to overwrite ${existing.join(', ')}`);
  files.forEach((f, i) => writeFileSync(paths[i]!, f.data, { flag: 'wx', mode: f.secret ? 0o600 : 0o644 }));
  return paths;
}

// ---- node TLS certificates ------------------------------------------------------------------------------------

/** The SAN URI naming the account a node's TLS certificate speaks for (src/network/identity.ts reads it). */
export const NODE_URI_PREFIX = 'urn:loopchain:node:';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_KP_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DNS_PATTERN =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function ipv4Bytes(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return Uint8Array.from(parts.map(Number));
}

function ipv6Bytes(s: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:]+$/.test(s) || s.split('::').length > 2) return undefined;
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (x: string | undefined): string[] => (x ? x.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** GeneralName for a host: iPAddress [7] for IPv4/IPv6 literals, dNSName [2] otherwise. */
function hostName(host: string): Uint8Array {
  const ip = ipv4Bytes(host) ?? (host.includes(':') ? ipv6Bytes(host) : undefined);
  if (ip) return implicitPrimitive(7, ip);
  if (host.includes(':') || !DNS_PATTERN.test(host))
    throw new CeremonyError('BAD_ARGUMENT', `'${host}' is neither an IP address nor a DNS name`);
  return implicitPrimitive(2, new TextEncoder().encode(host.toLowerCase()));
}

/**
 * A node's mutual-TLS certificate, issued directly by the consortium root: fresh P-256 key, CA:FALSE,
 * digitalSignature, EKU serverAuth + clientAuth, SAN = loopback (127.0.0.1, ::1, localhost) plus `hosts`,
 * and the URI `urn:loopchain:node:hx…` that peers map to the node's validator or member account.
 */
export function issueNodeCertificate(o: {
  root: IssuedCa;
  consortium: string;
  address: string;
  hosts?: readonly string[];
  notBefore: Date;
  validityDays?: number;
}): IssuedCa {
  if (!ADDRESS_PATTERN.test(o.address))
    throw new CeremonyError('BAD_ARGUMENT', 'the node address must be hx + 40 lowercase hex digits');
  const days = o.validityDays ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new CeremonyError('BAD_ARGUMENT', 'validity days must be 1..3650');
  const root = parentCa(o.root.certificate);
  const notBefore = Math.floor(o.notBefore.getTime() / 1000);
  const notAfter = notBefore + days * SECONDS_PER_DAY - 1;
  if (notAfter > root.parts.notAfter) {
    throw new CeremonyError(
      'BAD_ARGUMENT',
      'the node certificate would outlive the root; shorten the validity',
    );
  }
  const hosts = [...new Set(['127.0.0.1', '::1', 'localhost', ...(o.hosts ?? [])])];
  const san = seq(
    ...hosts.map(hostName),
    implicitPrimitive(6, new TextEncoder().encode(`${NODE_URI_PREFIX}${o.address}`)),
  );
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = spkiOf(privateKey);
  const tbs = buildTbs({
    serial: randomSerial(),
    signatureAlgorithm: root.signatureAlgorithm,
    issuer: root.parts.subject,
    notBefore,
    notAfter,
    subject: name([
      ['O', o.consortium],
      ['OU', 'nodes'],
      ['CN', `node ${o.address}`],
    ]),
    spki,
    extensions: [
      basicConstraints(false),
      keyUsage(['digitalSignature']),
      seq(oid(OID_EXT_KEY_USAGE), octets(seq(oid(OID_KP_SERVER_AUTH), oid(OID_KP_CLIENT_AUTH)))),
      seq(oid(OID_SUBJECT_ALT_NAME), octets(san)),
      subjectKeyIdentifier(keyIdentifier(spki)),
      authorityKeyIdentifier(root.keyId),
    ],
  });
  return { certificate: signTbs(tbs, root.signatureAlgorithm, o.root.privateKey), privateKey };
}

/** The unencrypted PKCS#8 PEM a node process loads for TLS (it starts unattended; the file is mode 0600). */
export const plainKeyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
