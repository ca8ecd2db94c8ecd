/**
 * The certificate authority SCORE (DESIGN §6): the ledger is the CA. RA firms issue end-entity certificates
 * signed by the block's fresh issuer key through the host's `pki` capability; the subject is the RA's
 * pseudonym plus the firm and consortium names — nothing from the CSR's subject reaches the chain. The issuing
 * firm (or an admin) revokes, suspends and resumes; other RA firms register their acceptance. Each event is a
 * leaf of the certificate log, with the serial as its first indexed value.
 */
import {
  DictDB,
  emit,
  governance,
  pki,
  require_,
  revert,
  Score,
  type ScoreApi,
} from '../../src/score/sdk/index.js';
import { CERTIFICATE_AUTHORITY_API } from './api.js';
import {
  caller,
  checkCustomerRef,
  checkReason,
  checkSerial,
  checkSubjectId,
  checkValidity,
  type Caller,
} from './rules.js';

type Status = 'good' | 'suspended' | 'revoked';

/** As stored (JSON-safe: heights and reasons as 0x-hex). */
interface CertificateRecord {
  serial: string;
  status: Status;
  certificate: string;
  chain: string;
  blockHeight: string;
  txHash: string;
  firm: string;
  issuer: string;
  subjectId: string;
  fingerprint: string;
  /** Last second of validity (0x-hex Unix seconds, inclusive), as in the certificate. */
  notAfter: string;
  revokedAt?: string;
  reason?: string;
  /** 0x-hex days, as requested at issue (kept by a renewal). */
  validityDays?: string;
  /** The certificate this one renewed / the certificate that renewed this one. */
  renewedFrom?: string;
  renewedBy?: string;
}

type PkiAnswer<T> = ({ ok: true } & T) | { ok: false; code: string; message: string };

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** A registered OCSP responder key as governance's `getResponderKeys` pages list it. */
interface ResponderKey {
  responder: string;
  publicKey: string;
  name: string;
  status: string;
}

/** Governance returns at most 100 keys a page; at most this many pages (active and retired keys) are read. */
const RESPONDER_PAGE = 100;
const MAX_RESPONDER_PAGES = 10;

function checkLogSize(size: bigint): void {
  require_(size >= 0n && size <= 0xffffffffn, 'BAD_LOG_SIZE', 'a log size is 0…2^32-1');
}

export default class CertificateAuthorityScore extends Score {
  static readonly api: ScoreApi = CERTIFICATE_AUTHORITY_API;

  private readonly certificates = new DictDB('certificates', 'json');
  /** Key fingerprint (SHA-256 of the SPKI) → serial: a public key already in use is refused. */
  private readonly keys = new DictDB('keys', 'str');
  /** `<serial>/<firm>` → customerRef: firms that accepted the certificate for their own customer. */
  private readonly registrations = new DictDB('registrations', 'str');
  /** 0x-hex block height → PEM of that block's issuer certificate, for blocks that issued anything. */
  private readonly issuers = new DictDB('issuers', 'str');
  /** `<0x-hex height>/<responder address>` → PEM(s) of its delegated responder certificates of that block. */
  private readonly responderCertificates = new DictDB('responderCertificates', 'str');

  issue(csr: string, subjectId: string, validityDays: bigint): string {
    const who = caller(this.ctx.sender);
    require_(who.ra && who.firm !== undefined, 'NOT_RA', 'only RA firms issue certificates');
    checkSubjectId(subjectId);
    checkValidity(validityDays);
    const record = this.certify(csr, subjectId, who.firm, who.address, validityDays);
    emit('CertificateIssued', [record.serial, who.firm], [subjectId, record.fingerprint, hex(validityDays)]);
    return record.serial;
  }

  /**
   * A new certificate for a new key, for the same subject, firm and validity length; the old one stays as it
   * is (valid until it expires or is revoked) and the two are linked (renewedFrom / renewedBy). A certificate
   * is renewed at most once; a revoked one is not renewed.
   */
  renew(serial: string, csr: string): string {
    const { record: old, who } = this.managed(serial);
    require_(old.status !== 'revoked', 'ALREADY_REVOKED', `${serial} is revoked`);
    require_(old.renewedBy === undefined, 'ALREADY_RENEWED', `${serial} was renewed by ${old.renewedBy}`);
    const validityDays = BigInt(old.validityDays ?? '0x16d');
    const record = this.certify(csr, old.subjectId, old.firm, who.address, validityDays, serial);
    this.save({ ...old, renewedBy: record.serial });
    emit(
      'CertificateRenewed',
      [record.serial, old.firm],
      [serial, old.subjectId, record.fingerprint, hex(validityDays), who.address],
    );
    return record.serial;
  }

  /** Parses and checks the CSR, has the block issuer certify its key, stores the new record. */
  private certify(
    csr: string,
    subjectId: string,
    firm: string,
    by: string,
    validityDays: bigint,
    renewedFrom?: string,
  ): CertificateRecord {
    const parsed = pki('parseCsr', { pem: csr }) as PkiAnswer<{
      spki: string;
      fingerprint: string;
      anonymous: boolean;
    }>;
    if (!parsed.ok) revert(parsed.code, parsed.message);
    require_(
      parsed.anonymous,
      'CSR_NOT_ANONYMOUS',
      'the CSR must have an empty subject and no attributes: personal data never goes on chain',
    );
    require_(!this.keys.has(parsed.fingerprint), 'KEY_IN_USE', 'this public key is already certified');
    const issued = pki('issue', {
      subjectId,
      firm,
      spki: parsed.spki,
      validityDays: hex(validityDays),
      index: 0,
    }) as PkiAnswer<{ serial: string; certificate: string; chain: string; notAfter: string }>;
    if (!issued.ok) revert(issued.code, issued.message);
    require_(!this.certificates.has(issued.serial), 'SERIAL_IN_USE', 'the derived serial is taken');
    const record: CertificateRecord = {
      serial: issued.serial,
      status: 'good',
      certificate: issued.certificate,
      chain: issued.chain,
      blockHeight: hex(this.ctx.height),
      txHash: this.ctx.txHash ?? '',
      firm,
      issuer: by,
      subjectId,
      fingerprint: parsed.fingerprint,
      notAfter: issued.notAfter,
      validityDays: hex(validityDays),
      ...(renewedFrom === undefined ? {} : { renewedFrom }),
    };
    this.certificates.set(issued.serial, record);
    this.keys.set(parsed.fingerprint, issued.serial);
    const height = hex(this.ctx.height);
    const first = !this.issuers.has(height);
    this.issuers.set(height, issued.chain);
    if (first) this.certifyResponders(height);
    return record;
  }

  /**
   * On the block's first issuance: one delegated OCSP responder certificate per active registered responder key
   * (governance order), signed by the same block issuer; stored per responder (several keys → PEMs in key order).
   */
  private certifyResponders(height: string): void {
    const byResponder = new Map<string, string[]>();
    for (let page = 0; page < MAX_RESPONDER_PAGES; page++) {
      const offset = page * RESPONDER_PAGE;
      const keys = governance('getResponderKeys', {
        offset: hex(BigInt(offset)),
        limit: hex(BigInt(RESPONDER_PAGE)),
      }) as { total: string; items: ResponderKey[] };
      for (const k of keys.items) {
        if (k.status !== 'active') continue;
        const r = pki('issueResponder', { name: k.name, spki: k.publicKey.toLowerCase() }) as PkiAnswer<{
          serial: string;
          certificate: string;
        }>;
        if (!r.ok) revert(r.code, r.message);
        byResponder.set(k.responder, [...(byResponder.get(k.responder) ?? []), r.certificate]);
      }
      if (BigInt(offset + RESPONDER_PAGE) >= BigInt(keys.total)) break;
    }
    for (const [responder, pems] of byResponder) {
      this.responderCertificates.set(`${height}/${responder}`, pems.join(''));
    }
  }

  revoke(serial: string, reason: bigint): void {
    checkReason(reason);
    const { record, who } = this.managed(serial);
    require_(record.status !== 'revoked', 'ALREADY_REVOKED', `${serial} is already revoked`);
    this.save({ ...record, status: 'revoked', revokedAt: hex(this.ctx.height), reason: hex(reason) });
    emit('CertificateRevoked', [serial, record.firm], [hex(reason), who.address]);
  }

  suspend(serial: string): void {
    const { record, who } = this.managed(serial);
    require_(record.status !== 'revoked', 'ALREADY_REVOKED', `${serial} is revoked`);
    require_(record.status !== 'suspended', 'ALREADY_SUSPENDED', `${serial} is already suspended`);
    this.save({ ...record, status: 'suspended' });
    emit('CertificateSuspended', [serial, record.firm], [who.address]);
  }

  resume(serial: string): void {
    const { record, who } = this.managed(serial);
    require_(record.status === 'suspended', 'NOT_SUSPENDED', `${serial} is not suspended`);
    this.save({ ...record, status: 'good' });
    emit('CertificateResumed', [serial, record.firm], [who.address]);
  }

  register(serial: string, customerRef: string): void {
    const who = caller(this.ctx.sender);
    require_(who.ra && who.firm !== undefined, 'NOT_RA', 'only RA firms register certificates');
    checkCustomerRef(customerRef);
    const record = this.record(serial);
    require_(record.firm !== who.firm, 'SAME_FIRM', 'the issuing firm does not register its own certificate');
    require_(record.status === 'good', 'NOT_GOOD', `${serial} is ${record.status}`);
    const key = `${serial}/${who.firm}`;
    require_(!this.registrations.has(key), 'ALREADY_REGISTERED', `${who.firm} already registered ${serial}`);
    this.registrations.set(key, customerRef);
    emit('CertificateRegistered', [serial, who.firm], [customerRef]);
  }

  getCertificate(serial: string): Record<string, string> {
    const r = this.record(serial);
    return {
      serial: r.serial,
      status: this.statusOf(r),
      certificate: r.certificate,
      chain: r.chain,
      blockHeight: r.blockHeight,
      txHash: r.txHash,
      firm: r.firm,
      ...(r.renewedFrom === undefined ? {} : { renewedFrom: r.renewedFrom }),
      ...(r.renewedBy === undefined ? {} : { renewedBy: r.renewedBy }),
    };
  }

  /** The block issuer certificate (PEM) of the block at `height`, if that block issued certificates. */
  getIssuer(height: bigint): string {
    require_(height >= 0n, 'BAD_HEIGHT', 'height must not be negative');
    const pem = this.issuers.get(hex(height)) as string | undefined;
    if (pem === undefined) revert('UNKNOWN_ISSUER', `block ${hex(height)} issued no certificates`);
    return pem;
  }

  /**
   * The delegated OCSP responder certificate(s) (PEM; one per active key of `responder`, in key order) of the
   * block at `height`, made at that block's first issuance.
   */
  getResponderCertificate(height: bigint, responder: string): string {
    require_(height >= 0n, 'BAD_HEIGHT', 'height must not be negative');
    const pem = this.responderCertificates.get(`${hex(height)}/${responder}`) as string | undefined;
    if (pem === undefined) {
      revert('UNKNOWN_RESPONDER_CERTIFICATE', `no responder certificate for ${responder} at ${hex(height)}`);
    }
    return pem;
  }

  getStatus(serial: string): Record<string, string> {
    checkSerial(serial);
    const r = this.certificates.get(serial) as CertificateRecord | undefined;
    if (r === undefined) return { status: 'unknown' };
    return {
      status: this.statusOf(r),
      ...(r.revokedAt === undefined ? {} : { revokedAt: r.revokedAt }),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    };
  }

  /** The certificate log after the last committed block: `{size, root}` (0x-hex), as in its header. */
  getLogCheckpoint(): Record<string, string> {
    const r = pki('logCheckpoint', {}) as PkiAnswer<{ size: string; root: string }>;
    if (!r.ok) revert(r.code, r.message);
    return { size: r.size, root: r.root };
  }

  /** RFC 6962 inclusion proof of leaf `leafIndex` in the log's tree of `treeSize` leaves. */
  getInclusionProof(leafIndex: bigint, treeSize: bigint): Record<string, string | string[]> {
    checkLogSize(treeSize);
    require_(leafIndex >= 0n && leafIndex < treeSize, 'BAD_LEAF_INDEX', 'leafIndex must be below treeSize');
    const r = pki('logInclusion', { leafIndex: hex(leafIndex), treeSize: hex(treeSize) }) as PkiAnswer<{
      leafIndex: string;
      treeSize: string;
      leafHash: string;
      proof: string[];
    }>;
    if (!r.ok) revert(r.code, r.message);
    return { leafIndex: r.leafIndex, treeSize: r.treeSize, leafHash: r.leafHash, proof: r.proof };
  }

  /** RFC 6962 consistency proof between the log's trees of `size1` and `size2` leaves. */
  getConsistencyProof(size1: bigint, size2: bigint): Record<string, string[]> {
    checkLogSize(size1);
    checkLogSize(size2);
    const r = pki('logConsistency', { size1: hex(size1), size2: hex(size2) }) as PkiAnswer<{
      proof: string[];
    }>;
    if (!r.ok) revert(r.code, r.message);
    return { proof: r.proof };
  }

  /** Revoked stays revoked; a good or suspended certificate past its notAfter (block time) is expired. */
  private statusOf(r: CertificateRecord): Status | 'expired' {
    if (r.status === 'revoked') return r.status;
    return this.ctx.timestamp / 1_000_000n > BigInt(r.notAfter) ? 'expired' : r.status;
  }

  private record(serial: string): CertificateRecord {
    checkSerial(serial);
    const r = this.certificates.get(serial) as CertificateRecord | undefined;
    if (r === undefined) revert('UNKNOWN_SERIAL', `no certificate ${serial}`);
    return r;
  }

  /** A certificate the sender may manage: its issuing firm (an RA member of that name) or an admin. */
  private managed(serial: string): { record: CertificateRecord; who: Caller } {
    const record = this.record(serial);
    const who = caller(this.ctx.sender);
    const issuingFirm = who.ra && who.firm === record.firm;
    require_(issuingFirm || who.admin, 'NOT_ISSUER', 'only the issuing firm or an admin may do this');
    return { record, who };
  }

  private save(record: CertificateRecord): void {
    this.certificates.set(record.serial, record);
  }
}
