/**
 * The certificate profiles of the consortium hierarchy (DESIGN §6, docs/pki.md):
 *
 *   Consortium Root CA → Validator CA (pathLen 1) → Block Issuer CA (pathLen 0) → end entity | OCSP responder
 *
 * Everything here is pure: names, extensions and validity rules as DER pieces. tbs.ts assembles them.
 */
import { bool, explicit, implicitPrimitive, NULL, octets, oid, seq, set, smallInt, utf8 } from './der.js';
import { PkiError } from './errors.js';

/**
 * Our OID arc: the private enterprise arc 1.3.6.1.4.1.32473, which RFC 5612 reserves for documentation and
 * examples, so nobody else's registered arc is squatted. A production consortium registers its own IANA PEN
 * (free) and changes this constant by an ADR, as it changes every certificate's TBS bytes.
 * Not the UUID arc 2.25.<uuid> (ITU-T X.667): its 128-bit arc breaks parsers that cap arcs at 64 bits or less
 * (GnuTLS's libtasn1 cannot import the policies extension, asn1js renders it as hex, Go before 1.22 refuses
 * the certificate).
 */
export const LOOPCHAIN_ARC = '1.3.6.1.4.1.32473.7001';
/** Certificate policy of end-entity certificates (KOFIA joint authentication, profile v1). */
export const POLICY_END_ENTITY = `${LOOPCHAIN_ARC}.1.1`;
/** Certificate policy of delegated OCSP responder certificates. */
export const POLICY_OCSP_RESPONDER = `${LOOPCHAIN_ARC}.1.2`;

export const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  adOcsp: '1.3.6.1.5.5.7.48.1',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
} as const;

/** Policy limits (chain config): the SCORE passes its own values; these are the defaults. */
export const DEFAULT_MAX_VALIDITY_DAYS = 1095;
export const SECONDS_PER_DAY = 86_400;
/** RFC 5280 upper bounds: ub-common-name 64, ub-organization-name 64, ub-organizational-unit-name 64. */
export const MAX_NAME_CHARS = 64;
/** The RA's pseudonym: a keyed hash, so a short token of safe characters (no spaces: names do not fit). */
export const SUBJECT_ID_PATTERN = /^[A-Za-z0-9._:-]{8,64}$/;

export type SignatureAlgorithm = 'ecdsa-with-SHA256' | 'ecdsa-with-SHA384';
export const SIG_ALG_DER: Record<SignatureAlgorithm, Uint8Array> = {
  'ecdsa-with-SHA256': seq(oid(OID.ecdsaWithSha256)),
  'ecdsa-with-SHA384': seq(oid(OID.ecdsaWithSha384)),
};
export const SIG_HASH: Record<SignatureAlgorithm, 'sha256' | 'sha384'> = {
  'ecdsa-with-SHA256': 'sha256',
  'ecdsa-with-SHA384': 'sha384',
};

// ---- names --------------------------------------------------------------------------------------------------

function checkName(what: string, v: string): void {
  // Control characters would make names ambiguous in logs and UIs; the bounds are RFC 5280's.
  if (v.length === 0 || v.length > MAX_NAME_CHARS || /[\p{Cc}]/u.test(v)) {
    throw new PkiError('BAD_NAME', `${what} must be 1..${MAX_NAME_CHARS} printable characters`, { what });
  }
}

const rdn = (type: string, value: string): Uint8Array => set(seq(oid(type), utf8(value)));

/** Name ::= RDNSequence, most significant first, one attribute per RDN, UTF8String values. */
export function name(attrs: readonly (readonly ['O' | 'OU' | 'CN', string])[]): Uint8Array {
  const types = { O: OID.organizationName, OU: OID.organizationalUnitName, CN: OID.commonName };
  return seq(
    ...attrs.map(([t, v]) => {
      checkName(t, v);
      return rdn(types[t], v);
    }),
  );
}

export const rootName = (consortium: string): Uint8Array =>
  name([
    ['O', consortium],
    ['CN', `${consortium} Root CA`.slice(0, MAX_NAME_CHARS)],
  ]);

export const validatorCaName = (consortium: string, institution: string, address: string): Uint8Array =>
  name([
    ['O', consortium],
    ['OU', institution],
    ['CN', `Validator CA ${address}`],
  ]);

export const blockIssuerName = (consortium: string, channel: string, height: bigint): Uint8Array =>
  name([
    ['O', consortium],
    ['OU', `channel ${channel}`],
    ['CN', `Block Issuer CA ${channel} ${height}`],
  ]);

/** End-entity subject: consortium, firm, pseudonym. Nothing from the CSR (privacy rule, DESIGN §6). */
export function endEntityName(consortium: string, firm: string, subjectId: string): Uint8Array {
  if (!SUBJECT_ID_PATTERN.test(subjectId)) {
    throw new PkiError('BAD_SUBJECT_ID', 'subjectId must be 8..64 of [A-Za-z0-9._:-] (the RA pseudonym)');
  }
  return name([
    ['O', consortium],
    ['OU', firm],
    ['CN', subjectId],
  ]);
}

export const responderName = (consortium: string, responder: string): Uint8Array =>
  name([
    ['O', consortium],
    ['OU', 'OCSP'],
    ['CN', responder],
  ]);

// ---- extensions ---------------------------------------------------------------------------------------------

const ext = (id: string, critical: boolean, value: Uint8Array): Uint8Array =>
  critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));

/** basicConstraints, always critical (x509_strict demands it on CAs; on end entities it says CA:FALSE). */
export function basicConstraints(ca: boolean, pathLen?: number): Uint8Array {
  const body = ca ? seq(bool(true), ...(pathLen === undefined ? [] : [smallInt(pathLen)])) : seq();
  return ext(OID.basicConstraints, true, body);
}

/** keyUsage bits, critical. Named bits in RFC 5280 order. */
export function keyUsage(
  usages: readonly ('digitalSignature' | 'nonRepudiation' | 'keyCertSign' | 'cRLSign')[],
): Uint8Array {
  const pos = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 };
  let v = 0;
  for (const u of usages) v |= 0x80 >> pos[u];
  // DER: trailing zero bits are dropped and counted as unused.
  let unused = 0;
  while (unused < 8 && (v & (1 << unused)) === 0) unused++;
  return ext(OID.keyUsage, true, Uint8Array.of(0x03, 0x02, unused, v));
}

export const certificatePolicies = (...policies: string[]): Uint8Array =>
  ext(OID.certificatePolicies, false, seq(...policies.map((p) => seq(oid(p)))));

export const authorityInfoAccess = (ocspUrl: string): Uint8Array => {
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(ocspUrl))
    throw new PkiError('BAD_NAME', 'ocspUrl must be an http(s) URL');
  // GeneralName uniformResourceIdentifier is [6] IMPLICIT IA5String.
  const uri = implicitPrimitive(6, new TextEncoder().encode(ocspUrl));
  return ext(OID.authorityInfoAccess, false, seq(seq(oid(OID.adOcsp), uri)));
};

export const subjectKeyIdentifier = (keyId: Uint8Array): Uint8Array =>
  ext(OID.subjectKeyIdentifier, false, octets(keyId));
export const authorityKeyIdentifier = (keyId: Uint8Array): Uint8Array =>
  ext(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, keyId)));
export const extKeyUsageOcspSigning = (): Uint8Array =>
  ext(OID.extKeyUsage, false, seq(oid(OID.kpOcspSigning)));
export const ocspNoCheck = (): Uint8Array => ext(OID.ocspNoCheck, false, NULL);

/** extensions [3] EXPLICIT Extensions. */
export const extensions = (exts: readonly Uint8Array[]): Uint8Array => explicit(3, seq(...exts));

// ---- validity -----------------------------------------------------------------------------------------------

/**
 * notBefore = block time truncated to the second; notAfter = notBefore + days × 86,400 − 1 s (RFC 5280
 * validity is inclusive, so a one-day certificate lasts exactly 86,400 seconds).
 */
export function validityWindow(
  blockTimeUs: bigint,
  days: number,
  maxDays: number,
): { notBefore: number; notAfter: number } {
  if (!Number.isInteger(days) || days < 1 || days > maxDays) {
    throw new PkiError('BAD_VALIDITY', `validityDays must be an integer in 1..${maxDays}`, { days, maxDays });
  }
  if (blockTimeUs < 0n) throw new PkiError('BAD_VALIDITY', 'block time is negative');
  const notBefore = Number(blockTimeUs / 1_000_000n);
  return { notBefore, notAfter: notBefore + days * SECONDS_PER_DAY - 1 };
}
