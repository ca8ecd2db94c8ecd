/**
 * Deterministic TBSCertificate building (DESIGN §6, STYLE 4: prepare, then sign, then check).
 *
 * Every node builds the same bytes from the same block data. The pieces fixed for a block (version, signature
 * algorithm, issuer name, the fixed extensions with the authority key id, the notBefore) are encoded once
 * by `BlockTbsBuilder`; per certificate only the serial, notAfter, subject, SPKI and subject key id are
 * encoded and the whole is concatenated (see der.ts for why this is hand-written).
 */
import { createHash, hash } from 'node:crypto';
import {
  bits,
  concat,
  explicit,
  oid,
  readElement,
  seq,
  set,
  smallInt,
  time,
  uint,
  utf8,
  TAG,
} from './der.js';
import { subjectPublicKeyBits } from './cert-der.js';
import { PkiError } from './errors.js';
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  basicConstraints,
  blockIssuerName,
  certificatePolicies,
  DEFAULT_MAX_VALIDITY_DAYS,
  endEntityName,
  extensions,
  extKeyUsageOcspSigning,
  keyUsage,
  name,
  OID,
  SUBJECT_ID_PATTERN,
  ocspNoCheck,
  POLICY_END_ENTITY,
  POLICY_OCSP_RESPONDER,
  responderName,
  SECONDS_PER_DAY,
  SIG_ALG_DER,
  subjectKeyIdentifier,
  validityWindow,
  type SignatureAlgorithm,
} from './profiles.js';

/** The block data every node agrees on; the issuance profile is chain config. */
export interface BlockProfile {
  channel: string;
  height: bigint;
  parentHash: Uint8Array;
  /** Block timestamp in µs (the ledger's unit). */
  blockTimeUs: bigint;
  consortium: string;
  ocspUrl: string;
  maxValidityDays?: number;
}

const VERSION_3 = explicit(0, smallInt(2));
const enc = new TextEncoder();

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
function lp(b: Uint8Array): Uint8Array {
  return concat([u32(b.length), b]);
}

/**
 * A 16-byte positive serial: the first 16 bytes of SHA-256(label ‖ fields, each length-prefixed). The top bit
 * is cleared (positive without a 0x00 pad) and a first byte that would then be 0x00 is set to 0x01, so the
 * DER INTEGER is always exactly 16 content bytes (minimal encoding) with 127 bits of the hash.
 */
export function deriveSerial(label: string, fields: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256').update(lp(enc.encode(label)));
  for (const f of fields) h.update(lp(f));
  const s = new Uint8Array(h.digest().subarray(0, 16));
  s[0] = s[0]! & 0x7f || 0x01;
  return s;
}

const END_ENTITY_SERIAL = 'loopchain-ca/serial/end-entity/v1';

/** End-entity serial from (channel, parent hash, tx hash, index in tx) — DESIGN §6. */
export const endEntitySerial = (
  channel: string,
  parentHash: Uint8Array,
  txHash: Uint8Array,
  index: number,
): Uint8Array => deriveSerial(END_ENTITY_SERIAL, [enc.encode(channel), parentHash, txHash, u32(index)]);

/** The same derivation with the hash of the per-block prefix computed once (Hash.copy per certificate). */
function serialDeriver(
  channel: string,
  parentHash: Uint8Array,
): (txHash: Uint8Array, index: number) => Uint8Array {
  // One hash call over prefix ‖ lp(txHash) ‖ lp(index): the same bytes as endEntitySerial hashes.
  const prefix = concat([lp(enc.encode(END_ENTITY_SERIAL)), lp(enc.encode(channel)), lp(parentHash)]);
  return (txHash, index) => {
    const input = new Uint8Array(prefix.length + 4 + txHash.length + 8);
    const view = new DataView(input.buffer);
    input.set(prefix, 0);
    view.setUint32(prefix.length, txHash.length);
    input.set(txHash, prefix.length + 4);
    view.setUint32(prefix.length + 4 + txHash.length, 4);
    view.setUint32(prefix.length + 8 + txHash.length, index);
    const s = new Uint8Array(hash('sha256', input, 'buffer').subarray(0, 16));
    s[0] = s[0]! & 0x7f || 0x01;
    return s;
  };
}

export function keyIdentifier(spki: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', subjectPublicKeyBits(spki), 'buffer').subarray(0, 20));
}

/** Fingerprint used for "a public key already in use is refused": SHA-256 of the SPKI DER, lowercase hex. */
export const keyFingerprint = (spki: Uint8Array): string => hash('sha256', spki, 'hex');

export interface TbsFields {
  serial: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  issuer: Uint8Array;
  notBefore: number;
  notAfter: number;
  subject: Uint8Array;
  spki: Uint8Array;
  extensions: readonly Uint8Array[];
}

/** The general (slow-path) TBS assembly, used for CA certificates made once per block or per ceremony. */
export function buildTbs(f: TbsFields): Uint8Array {
  checkSpki(f.spki);
  return seq(
    VERSION_3,
    uint(f.serial),
    SIG_ALG_DER[f.signatureAlgorithm],
    f.issuer,
    seq(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    extensions(f.extensions),
  );
}

function checkSpki(spki: Uint8Array): void {
  try {
    const e = readElement(spki, 0);
    if (e.tag !== TAG.SEQUENCE || e.end !== spki.length) throw new Error('trailing bytes');
  } catch {
    throw new PkiError('BAD_KEY', 'subject public key is not a DER SubjectPublicKeyInfo');
  }
}

/** The issuing CA a block's certificates name: its subject DER and key identifier. */
export interface IssuerIdentity {
  name: Uint8Array;
  keyId: Uint8Array;
}

/** The Block Issuer CA's notAfter covers every certificate it may sign (see docs/pki.md, validity). */
export function blockIssuerValidity(p: BlockProfile): { notBefore: number; notAfter: number } {
  const max = p.maxValidityDays ?? DEFAULT_MAX_VALIDITY_DAYS;
  const { notBefore } = validityWindow(p.blockTimeUs, 1, max);
  return { notBefore, notAfter: notBefore + max * SECONDS_PER_DAY - 1 };
}

/** TBS of the Block Issuer CA certificate: deterministic from the block, the parent CA and the fresh key. */
export function blockIssuerTbs(
  p: BlockProfile,
  parent: IssuerIdentity & { signatureAlgorithm: SignatureAlgorithm },
  issuerSpki: Uint8Array,
): Uint8Array {
  const { notBefore, notAfter } = blockIssuerValidity(p);
  return buildTbs({
    serial: deriveSerial('loopchain-ca/serial/block-issuer/v1', [
      enc.encode(p.channel),
      p.parentHash,
      enc.encode(p.height.toString()),
    ]),
    signatureAlgorithm: parent.signatureAlgorithm,
    issuer: parent.name,
    notBefore,
    notAfter,
    subject: blockIssuerName(p.consortium, p.channel, p.height),
    spki: issuerSpki,
    extensions: [
      basicConstraints(true, 0),
      keyUsage(['keyCertSign']),
      caPolicies(),
      subjectKeyIdentifier(keyIdentifier(issuerSpki)),
      authorityKeyIdentifier(parent.keyId),
    ],
  });
}

/** CA certificates carry both policies so that policy-checking relying parties accept either kind of leaf. */
export const caPolicies = (): Uint8Array => certificatePolicies(POLICY_END_ENTITY, POLICY_OCSP_RESPONDER);

export interface EndEntityInput {
  txHash: Uint8Array;
  index: number;
  firm: string;
  subjectId: string;
  spki: Uint8Array;
  validityDays: number;
}

export interface ResponderInput {
  responder: string;
  spki: Uint8Array;
}

export interface PreparedTbs {
  serial: Uint8Array;
  tbs: Uint8Array;
}

/** The fast path: pieces fixed for one block and one issuer key, reused for every certificate of the block. */
export class BlockTbsBuilder {
  private readonly head: Uint8Array; // signature algorithm ‖ issuer name
  private readonly notBefore: number;
  private readonly notBeforeDer: Uint8Array;
  private readonly maxDays: number;
  private readonly eeFixedExts: Uint8Array;
  private readonly notAfterByDays = new Map<number, Uint8Array>();
  private readonly firmRdns = new Map<string, Uint8Array>();
  private readonly consortiumRdn: Uint8Array;
  private readonly serialOf: (txHash: Uint8Array, index: number) => Uint8Array;

  constructor(
    readonly profile: BlockProfile,
    readonly issuer: IssuerIdentity,
  ) {
    this.maxDays = profile.maxValidityDays ?? DEFAULT_MAX_VALIDITY_DAYS;
    this.notBefore = validityWindow(profile.blockTimeUs, 1, this.maxDays).notBefore;
    this.notBeforeDer = time(this.notBefore);
    this.head = concat([SIG_ALG_DER['ecdsa-with-SHA256'], issuer.name]);
    this.consortiumRdn = rdnOf(name([['O', profile.consortium]]));
    this.serialOf = serialDeriver(profile.channel, profile.parentHash);
    this.eeFixedExts = concat([
      basicConstraints(false),
      keyUsage(['digitalSignature', 'nonRepudiation']),
      certificatePolicies(POLICY_END_ENTITY),
      authorityInfoAccess(profile.ocspUrl),
      authorityKeyIdentifier(issuer.keyId),
    ]);
  }

  /** TBS of an end-entity certificate. Throws PkiError on a bad subjectId, firm, key or validity. */
  endEntity(i: EndEntityInput): PreparedTbs {
    const p = this.profile;
    let notAfter = this.notAfterByDays.get(i.validityDays);
    if (!notAfter) {
      notAfter = time(validityWindow(p.blockTimeUs, i.validityDays, this.maxDays).notAfter);
      this.notAfterByDays.set(i.validityDays, notAfter);
    }
    checkSpki(i.spki);
    const serial = this.serialOf(i.txHash, i.index);
    // The subject is endEntityName(consortium, firm, subjectId), with the first two RDNs encoded once.
    let firmRdn = this.firmRdns.get(i.firm);
    if (!firmRdn) {
      firmRdn = rdnOf(name([['OU', i.firm]]));
      this.firmRdns.set(i.firm, firmRdn);
    }
    if (!SUBJECT_ID_PATTERN.test(i.subjectId)) endEntityName(p.consortium, i.firm, i.subjectId); // throws the typed error
    const subject = seq(this.consortiumRdn, firmRdn, CN_RDN(i.subjectId));
    const tbs = seq(
      VERSION_3,
      uint(serial),
      this.head,
      seq(this.notBeforeDer, notAfter),
      subject,
      i.spki,
      explicit(3, seq(this.eeFixedExts, subjectKeyIdentifier(keyIdentifier(i.spki)))),
    );
    return { serial, tbs };
  }

  /** TBS of the delegated OCSP responder certificate for one registered responder key. */
  responder(i: ResponderInput): PreparedTbs {
    const p = this.profile;
    const serial = deriveSerial('loopchain-ca/serial/ocsp-responder/v1', [
      enc.encode(p.channel),
      p.parentHash,
      enc.encode(keyFingerprint(i.spki)),
    ]);
    const tbs = buildTbs({
      serial,
      signatureAlgorithm: 'ecdsa-with-SHA256',
      issuer: this.issuer.name,
      ...blockIssuerValidity(p),
      subject: responderName(p.consortium, i.responder),
      spki: i.spki,
      extensions: [
        basicConstraints(false),
        keyUsage(['digitalSignature']),
        extKeyUsageOcspSigning(),
        ocspNoCheck(),
        certificatePolicies(POLICY_OCSP_RESPONDER),
        subjectKeyIdentifier(keyIdentifier(i.spki)),
        authorityKeyIdentifier(this.issuer.keyId),
      ],
    });
    return { serial, tbs };
  }
}

/** The single RDN (SET) inside a one-attribute Name. */
const rdnOf = (nameDer: Uint8Array): Uint8Array => nameDer.subarray(readElement(nameDer, 0).contentStart);
const CN_RDN = (cn: string): Uint8Array => set(seq(oid(OID.commonName), utf8(cn)));

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export const assembleCertificate = (
  tbs: Uint8Array,
  alg: SignatureAlgorithm,
  signature: Uint8Array,
): Uint8Array => seq(tbs, SIG_ALG_DER[alg], bits(signature));

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
