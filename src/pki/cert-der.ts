/**
 * Reads the parts of a DER certificate that issuance and its checks need, without a schema library: the exact
 * TBS bytes, the signature, and the subject, SPKI, validity and key identifier inside the TBS.
 */
import { bytesOf, children, contentOf, DerError, readElement, TAG } from './der.js';
import { OID } from './profiles.js';
import { oid } from './der.js';

export interface CertificateParts {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: Uint8Array;
  /** The signature value (the BIT STRING's content after its unused-bits byte). */
  signature: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  notBefore: number;
  notAfter: number;
  subjectKeyId?: Uint8Array;
}

const SKI_OID = oid(OID.subjectKeyIdentifier);
const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Seconds since the epoch from a UTCTime or GeneralizedTime element (the whole-second 'Z' forms of RFC 5280). */
export function readTime(buf: Uint8Array, tag: number, content: Uint8Array): number {
  const s = new TextDecoder().decode(content);
  const m =
    tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw new DerError(`bad time ${s}`);
  let y = Number(m[1]);
  if (tag === TAG.UTC_TIME) y += y < 50 ? 2000 : 1900;
  return Date.UTC(y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** Splits a certificate; throws DerError on anything that is not the RFC 5280 shape. */
export function parseCertificate(der: Uint8Array): CertificateParts {
  const root = readElement(der, 0);
  if (root.tag !== TAG.SEQUENCE || root.end !== der.length) throw new DerError('not a certificate');
  const [tbsE, algE, sigE, ...extra] = children(der, root);
  if (!tbsE || !algE || !sigE || extra.length || sigE.tag !== TAG.BIT_STRING)
    throw new DerError('not a certificate');
  const sigContent = contentOf(der, sigE);
  if (sigContent[0] !== 0) throw new DerError('signature has unused bits');
  const f = children(der, tbsE);
  if (f[0]?.tag !== 0xa0) throw new DerError('not a v3 certificate');
  const [, , , issuerE, validityE, subjectE, spkiE, ...rest] = f;
  if (!issuerE || !validityE || !subjectE || !spkiE) throw new DerError('truncated TBS');
  const [nbE, naE] = children(der, validityE);
  if (!nbE || !naE) throw new DerError('bad validity');
  let subjectKeyId: Uint8Array | undefined;
  const extsE = rest.find((e) => e.tag === 0xa3);
  if (extsE) {
    const [list] = children(der, extsE);
    for (const e of list ? children(der, list) : []) {
      const parts = children(der, e);
      if (parts[0] && equal(bytesOf(der, parts[0]), SKI_OID)) {
        const value = parts[parts.length - 1]!;
        const inner = readElement(der, value.contentStart, value.end);
        subjectKeyId = contentOf(der, inner);
      }
    }
  }
  return {
    der,
    tbs: bytesOf(der, tbsE),
    signatureAlgorithm: bytesOf(der, algE),
    signature: sigContent.subarray(1),
    issuer: bytesOf(der, issuerE),
    subject: bytesOf(der, subjectE),
    spki: bytesOf(der, spkiE),
    notBefore: readTime(der, nbE.tag, contentOf(der, nbE)),
    notAfter: readTime(der, naE.tag, contentOf(der, naE)),
    ...(subjectKeyId ? { subjectKeyId } : {}),
  };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (the BIT STRING content without its unused-bits byte). */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const top = readElement(spki, 0);
  if (top.tag !== TAG.SEQUENCE || top.end !== spki.length) throw new DerError('not a SubjectPublicKeyInfo');
  const [alg, key, ...extra] = children(spki, top);
  if (!alg || !key || extra.length || alg.tag !== TAG.SEQUENCE || key.tag !== TAG.BIT_STRING) {
    throw new DerError('not a SubjectPublicKeyInfo');
  }
  const c = contentOf(spki, key);
  if (c[0] !== 0) throw new DerError('public key has unused bits');
  return c.subarray(1);
}

/** Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING signature }. */
export { equal as bytesEqual };
