/**
 * Checks of the certificates a genesis names (DESIGN §6): the consortium root (self-signed, a CA, valid when
 * the chain starts) and the optional Validator CA of each validator institution (a CA issued by that root).
 * Node's X509Certificate parses and verifies; each check returns the problems it found as path-prefixed
 * messages, so the caller can list them with every other mistake of the config.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  /** The certificate as PEM, re-encoded from its DER (so the same certificate always gives the same text). */
  readonly pem: string;
  readonly der: Uint8Array;
  /** RFC 4514-like, components joined with ", ". */
  readonly subject: string;
  readonly issuer: string;
  /** SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it (AA:BB:…). */
  readonly fingerprintSha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: string[] };

const BEGIN = '-----BEGIN CERTIFICATE-----';
/** Longer than any sane CA certificate; bounds what a config can make us parse. */
export const MAX_PEM_LENGTH = 64 * 1024;

function dn(name: string): string {
  return name.split('\n').join(', ');
}

function info(cert: X509Certificate): CertificateInfo {
  return {
    pem: cert.toString(),
    der: new Uint8Array(cert.raw),
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    fingerprintSha256: cert.fingerprint256,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** Parses exactly one PEM certificate; the problem names `path`. */
export function parseCertificate(pem: string, path: string): Checked<X509Certificate> {
  if (pem.length > MAX_PEM_LENGTH)
    return { ok: false, problems: [`${path}: longer than ${MAX_PEM_LENGTH} characters`] };
  const blocks = pem.split(BEGIN).length - 1;
  if (blocks !== 1) {
    const found = blocks === 0 ? 'none (no "-----BEGIN CERTIFICATE-----" line)' : `${blocks}`;
    return { ok: false, problems: [`${path}: must hold exactly one PEM certificate, found ${found}`] };
  }
  try {
    return { ok: true, value: new X509Certificate(pem) };
  } catch (e) {
    const reason = (e as Error).message.replace(/^error:[0-9A-F]+:/, '');
    return { ok: false, problems: [`${path}: not a valid X.509 certificate (${reason})`] };
  }
}

function validityProblem(cert: X509Certificate, path: string, timestampUs: bigint | undefined): string[] {
  if (timestampUs === undefined) return [];
  const at = Number(timestampUs / 1000n);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (at >= from && at <= to) return [];
  return [
    `${path}: not valid at the genesis timestamp ${new Date(at).toISOString()} ` +
      `(valid from ${new Date(from).toISOString()} to ${new Date(to).toISOString()})`,
  ];
}

/**
 * The consortium root: self-signed (issuer = subject and the signature verifies with its own key), a CA
 * (basicConstraints cA), valid at the genesis timestamp when that is known.
 */
export function checkRootCertificate(
  pem: string,
  path: string,
  timestampUs: bigint | undefined,
): Checked<{ cert: X509Certificate; info: CertificateInfo }> {
  const parsed = parseCertificate(pem, path);
  if (!parsed.ok) return parsed;
  const cert = parsed.value;
  const problems: string[] = [];
  if (!cert.checkIssued(cert)) {
    problems.push(
      `${path}: not self-signed: issued by "${dn(cert.issuer)}", not by its subject "${dn(cert.subject)}"`,
    );
  } else if (!cert.verify(cert.publicKey)) {
    problems.push(`${path}: not self-signed: its signature does not verify with its own public key`);
  }
  if (!cert.ca) problems.push(`${path}: not a CA certificate (basicConstraints cA is not set)`);
  problems.push(...validityProblem(cert, path, timestampUs));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { cert, info: info(cert) } };
}

/** A Validator CA: a CA certificate issued by the consortium root (when the root itself is usable). */
export function checkValidatorCa(
  pem: string,
  path: string,
  root: X509Certificate | undefined,
  timestampUs: bigint | undefined,
): Checked<CertificateInfo> {
  const parsed = parseCertificate(pem, path);
  if (!parsed.ok) return parsed;
  const cert = parsed.value;
  const problems: string[] = [];
  if (!cert.ca) problems.push(`${path}: not a CA certificate (basicConstraints cA is not set)`);
  if (root !== undefined) {
    if (cert.raw.equals(root.raw)) problems.push(`${path}: is the root certificate itself`);
    else if (!cert.checkIssued(root) || !cert.verify(root.publicKey))
      problems.push(`${path}: not issued by the root certificate ("${dn(root.subject)}")`);
  }
  problems.push(...validityProblem(cert, path, timestampUs));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: info(cert) };
}
