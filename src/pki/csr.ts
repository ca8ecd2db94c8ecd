/**
 * PKCS#10 certificate requests (RFC 2986) at the edge of issuance: size limits, strict DER, an accepted key
 * (P-256, P-384, RSA 2048–4096) and the proof of possession (the request is signed by its own key).
 * Only the SubjectPublicKeyInfo is used afterwards: nothing from the CSR subject or attributes reaches a
 * certificate (privacy rule, DESIGN §6).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { bytesOf, children, contentOf, DerError, readElement, TAG, oid, type Element } from './der.js';
import { CsrError } from './errors.js';
import { bytesEqual } from './cert-der.js';
import { keyFingerprint } from './tbs.js';

/**
 * A P-384 or RSA-4096 request with a few attributes is under 2.5 KB of DER; 6 KiB leaves room and no more. The
 * PEM limit (base64 is 4/3 of the DER, plus line breaks and armour) is checked first, before any decoding.
 */
export const MAX_CSR_PEM_CHARS = 10_000;
export const MAX_CSR_DER_BYTES = 6144;

export type CsrKeyType = 'P-256' | 'P-384' | 'RSA';

export interface ParsedCsr {
  /** The SubjectPublicKeyInfo DER, exactly as in the request (and canonical). */
  spki: Uint8Array;
  /** SHA-256 of the SPKI DER, hex: the key's identity for "a public key already in use is refused". */
  fingerprint: string;
  keyType: CsrKeyType;
  keyBits: number;
  signatureAlgorithm: string;
  /**
   * Whether the CSR carries no subject and no attributes. Policy (the certificate SCORE) refuses any other
   * CSR: the request travels in a transaction, so a name or an e-mail in it would sit on the immutable
   * ledger even though the certificate never copies it (DESIGN §6, privacy).
   */
  anonymous: boolean;
}

const SIG_ALGS: Record<string, { hash: string; key: 'ec' | 'rsa'; name: string }> = {};
for (const [id, hash, key, n] of [
  ['1.2.840.10045.4.3.2', 'sha256', 'ec', 'ecdsa-with-SHA256'],
  ['1.2.840.10045.4.3.3', 'sha384', 'ec', 'ecdsa-with-SHA384'],
  ['1.2.840.10045.4.3.4', 'sha512', 'ec', 'ecdsa-with-SHA512'],
  ['1.2.840.113549.1.1.11', 'sha256', 'rsa', 'sha256WithRSAEncryption'],
  ['1.2.840.113549.1.1.12', 'sha384', 'rsa', 'sha384WithRSAEncryption'],
  ['1.2.840.113549.1.1.13', 'sha512', 'rsa', 'sha512WithRSAEncryption'],
] as const) {
  SIG_ALGS[Buffer.from(oid(id)).toString('hex')] = { hash, key, name: n };
}

const PEM_RE =
  /^-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END (NEW )?CERTIFICATE REQUEST-----\r?\n?$/;

function malformed(message: string): never {
  throw new CsrError('MALFORMED_CSR', message);
}

/** PEM → DER with the size limits; exactly one CERTIFICATE REQUEST block and canonical base64. */
export function csrDerFromPem(pem: string): Uint8Array {
  if (typeof pem !== 'string') malformed('the CSR must be a PEM string');
  if (pem.length > MAX_CSR_PEM_CHARS) {
    throw new CsrError('TOO_LARGE', `the CSR PEM is larger than ${MAX_CSR_PEM_CHARS} characters`, {
      size: pem.length,
    });
  }
  const m = PEM_RE.exec(pem.trim() + '\n');
  if (!m || m[1] !== m[3]) malformed('expected one PEM block "-----BEGIN CERTIFICATE REQUEST-----"');
  const b64 = m[2]!.replace(/\r?\n/g, '');
  const der = Buffer.from(b64, 'base64');
  if (der.toString('base64') !== b64) malformed('the PEM body is not canonical base64');
  if (der.length > MAX_CSR_DER_BYTES) {
    throw new CsrError('TOO_LARGE', `the CSR is larger than ${MAX_CSR_DER_BYTES} bytes`, {
      size: der.length,
    });
  }
  return new Uint8Array(der);
}

interface CsrParts {
  anonymous: boolean;
  info: Uint8Array;
  spki: Uint8Array;
  algOid: Uint8Array;
  algParams: Uint8Array | undefined;
  signature: Uint8Array;
}

function split(der: Uint8Array): CsrParts {
  try {
    const top = readElement(der, 0);
    if (top.tag !== TAG.SEQUENCE || top.end !== der.length)
      malformed('not a PKCS#10 request (outer SEQUENCE)');
    const [infoE, algE, sigE, ...extra] = children(der, top);
    if (!infoE || !algE || !sigE || extra.length) malformed('a CertificationRequest has exactly three parts');
    if (infoE.tag !== TAG.SEQUENCE || algE.tag !== TAG.SEQUENCE || sigE.tag !== TAG.BIT_STRING) {
      malformed('unexpected CertificationRequest structure');
    }
    const [ver, subject, spkiE, attrs, ...more] = children(der, infoE);
    const want = (e: Element | undefined, tag: number): boolean => e !== undefined && e.tag === tag;
    if (
      !want(ver, TAG.INTEGER) ||
      !want(subject, TAG.SEQUENCE) ||
      !want(spkiE, TAG.SEQUENCE) ||
      more.length
    ) {
      malformed('unexpected CertificationRequestInfo structure');
    }
    if (attrs !== undefined && attrs.tag !== 0xa0) malformed('attributes must be [0]');
    const v = contentOf(der, ver!);
    if (v.length !== 1 || v[0] !== 0) malformed('CSR version must be 0 (v1)');
    const [algOidE, paramsE, ...algMore] = children(der, algE);
    if (!algOidE || algOidE.tag !== TAG.OID || algMore.length) malformed('bad signature algorithm');
    const sig = contentOf(der, sigE);
    if (sig.length < 2 || sig[0] !== 0) malformed('signature BIT STRING has unused bits');
    return {
      anonymous:
        contentOf(der, subject!).length === 0 && (attrs === undefined || contentOf(der, attrs).length === 0),
      info: bytesOf(der, infoE),
      spki: bytesOf(der, spkiE!),
      algOid: bytesOf(der, algOidE),
      algParams: paramsE ? bytesOf(der, paramsE) : undefined,
      signature: sig.subarray(1),
    };
  } catch (e) {
    if (e instanceof DerError) malformed(`DER: ${e.message}`);
    throw e;
  }
}

/**
 * A canonical P-256 / P-384 SPKI (fixed header, then the uncompressed point) imported from its coordinates:
 * about 40% cheaper than OpenSSL 3's DER decoder, with the same checks (coordinates in range, point on the
 * curve: an invalid point is refused). Anything else returns undefined and takes the DER path.
 */
function importCanonicalEc(spki: Uint8Array): { key: KeyObject; keyType: 'P-256' | 'P-384' } | undefined {
  for (const keyType of ['P-256', 'P-384'] as const) {
    if (!isCanonicalEcSpki(spki, keyType)) continue;
    // The header ends with the uncompressed-point marker 0x04: what follows is x ‖ y.
    const xy = Buffer.from(spki.subarray(EC_SPKI_HEADERS[keyType].length));
    const n = xy.length / 2;
    try {
      const key = createPublicKey({
        key: {
          kty: 'EC',
          crv: keyType,
          x: xy.subarray(0, n).toString('base64url'),
          y: xy.subarray(n).toString('base64url'),
        },
        format: 'jwk',
      });
      return { key, keyType };
    } catch {
      throw new CsrError('UNSUPPORTED_KEY', 'the public key is not a key this CA can read');
    }
  }
  return undefined;
}

function acceptKey(spki: Uint8Array): { key: KeyObject; keyType: CsrKeyType; keyBits: number } {
  const fast = importCanonicalEc(spki);
  if (fast) return { key: fast.key, keyType: fast.keyType, keyBits: fast.keyType === 'P-256' ? 256 : 384 };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw new CsrError('UNSUPPORTED_KEY', 'the public key is not a key this CA can read');
  }
  const d = key.asymmetricKeyDetails ?? {};
  let keyType: CsrKeyType;
  let keyBits: number;
  if (key.asymmetricKeyType === 'ec' && (d.namedCurve === 'prime256v1' || d.namedCurve === 'secp384r1')) {
    keyType = d.namedCurve === 'prime256v1' ? 'P-256' : 'P-384';
    keyBits = keyType === 'P-256' ? 256 : 384;
  } else if (key.asymmetricKeyType === 'rsa') {
    keyType = 'RSA';
    keyBits = d.modulusLength ?? 0;
    if (keyBits < 2048 || keyBits > 4096) {
      throw new CsrError('UNSUPPORTED_KEY', `RSA keys must have 2048 to 4096 bits, not ${keyBits}`, {
        keyBits,
      });
    }
    const e = d.publicExponent ?? 0n;
    if (e < 3n || e % 2n === 0n)
      throw new CsrError('UNSUPPORTED_KEY', 'the RSA public exponent must be odd and ≥ 3');
  } else {
    const what = key.asymmetricKeyType === 'ec' ? `curve ${d.namedCurve}` : key.asymmetricKeyType;
    throw new CsrError(
      'UNSUPPORTED_KEY',
      `unsupported key (${what}); accepted: P-256, P-384, RSA 2048–4096`,
      {
        keyType: key.asymmetricKeyType,
      },
    );
  }
  // The SPKI goes into the certificate as is, so it must be the canonical form (uncompressed point, named curve).
  // A named-curve EC key with an uncompressed point has one DER spelling: its fixed header, then the point
  // (which createPublicKey has checked is on the curve); anything else is compared with the key's own export.
  if (keyType !== 'RSA' && isCanonicalEcSpki(spki, keyType)) return { key, keyType, keyBits };
  const canonical = key.export({ format: 'der', type: 'spki' });
  if (!bytesEqual(new Uint8Array(canonical), spki)) {
    throw new CsrError(
      'UNSUPPORTED_KEY',
      'the public key is not in canonical form (compressed point or explicit parameters?)',
    );
  }
  return { key, keyType, keyBits };
}

/** SubjectPublicKeyInfo headers of named-curve EC keys up to the uncompressed point's 0x04 (RFC 5480). */
const EC_SPKI_HEADERS = {
  'P-256': Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex'),
  'P-384': Buffer.from('3076301006072a8648ce3d020106052b8104002203620004', 'hex'),
} as const;
const EC_POINT_BYTES = { 'P-256': 64, 'P-384': 96 } as const;

function isCanonicalEcSpki(spki: Uint8Array, keyType: 'P-256' | 'P-384'): boolean {
  const header = EC_SPKI_HEADERS[keyType];
  return (
    spki.length === header.length + EC_POINT_BYTES[keyType] &&
    bytesEqual(spki.subarray(0, header.length), new Uint8Array(header))
  );
}

/**
 * The expensive part of checking a canonical P-256 / P-384 request with an ECDSA signature — importing its key
 * (point on the curve) and verifying its proof of possession — as plain data, so that it can run elsewhere
 * (pop-precheck.ts) and be found done by SHA-256 of the DER. Undefined for any other request, and for one
 * whose structure parseCsr would refuse before getting there.
 */
export interface EcPopCheck {
  readonly crv: 'P-256' | 'P-384';
  /** base64url coordinates of the point, as JWK. */
  readonly x: string;
  readonly y: string;
  readonly hash: string;
  readonly info: Uint8Array;
  readonly signature: Uint8Array;
}

export function ecPopCheckOf(der: Uint8Array): EcPopCheck | undefined {
  let p: CsrParts;
  try {
    p = split(der);
  } catch {
    return undefined;
  }
  const alg = SIG_ALGS[Buffer.from(p.algOid).toString('hex')];
  if (alg?.key !== 'ec' || p.algParams) return undefined;
  for (const crv of ['P-256', 'P-384'] as const) {
    if (!isCanonicalEcSpki(p.spki, crv)) continue;
    const xy = Buffer.from(p.spki.subarray(EC_SPKI_HEADERS[crv].length));
    const n = xy.length / 2;
    return {
      crv,
      x: xy.subarray(0, n).toString('base64url'),
      y: xy.subarray(n).toString('base64url'),
      hash: alg.hash,
      info: p.info,
      signature: p.signature,
    };
  }
  return undefined;
}

/**
 * Proofs of possession already checked (pop-precheck.ts): true only when the request with this DER has a
 * canonical EC key that imports and a signature that verifies with it — exactly what parseCsr would find.
 */
export interface PopChecked {
  popVerified(der: Uint8Array): boolean;
}

/**
 * Parses and checks a CSR; throws CsrError with a precise code. `checked` only saves work: a request it does
 * not know is checked here, so the answer is the same either way.
 */
export function parseCsr(pem: string, checked?: PopChecked): ParsedCsr {
  const der = csrDerFromPem(pem);
  const p = split(der);
  const alg = SIG_ALGS[Buffer.from(p.algOid).toString('hex')];
  if (!alg)
    throw new CsrError(
      'UNSUPPORTED_SIGNATURE',
      'the CSR signature algorithm is not accepted (ECDSA or RSA PKCS#1 v1.5 with SHA-2)',
    );
  if (alg.key === 'ec' && p.algParams) malformed('ECDSA signature algorithm must have no parameters');
  if (
    alg.key === 'rsa' &&
    p.algParams &&
    !(p.algParams.length === 2 && p.algParams[0] === TAG.NULL && p.algParams[1] === 0)
  ) {
    malformed('RSA signature algorithm parameters must be NULL');
  }
  if (alg.key === 'ec' && checked?.popVerified(der) === true) {
    const keyType = isCanonicalEcSpki(p.spki, 'P-256') ? 'P-256' : 'P-384';
    return {
      spki: new Uint8Array(p.spki),
      fingerprint: keyFingerprint(p.spki),
      keyType,
      keyBits: keyType === 'P-256' ? 256 : 384,
      signatureAlgorithm: alg.name,
      anonymous: p.anonymous,
    };
  }
  const { key, keyType, keyBits } = acceptKey(p.spki);
  if ((alg.key === 'ec') !== (keyType !== 'RSA')) {
    throw new CsrError('BAD_POP', `a ${keyType} key cannot make a ${alg.name} signature`);
  }
  let ok: boolean;
  try {
    ok = verify(alg.hash, p.info, { key, dsaEncoding: 'der' }, p.signature);
  } catch {
    ok = false; // a malformed signature value is no proof of possession
  }
  if (!ok) throw new CsrError('BAD_POP', 'the CSR is not signed by its own key (proof of possession failed)');
  return {
    spki: new Uint8Array(p.spki),
    fingerprint: keyFingerprint(p.spki),
    keyType,
    keyBits,
    signatureAlgorithm: alg.name,
    anonymous: p.anonymous,
  };
}
