/**
 * The certificate authority SCORE (DESIGN §6): the ledger is the CA. RA firms issue end-entity certificates
 * signed by the block's fresh issuer key through the host's `pki` capability; the subject is the RA's
 * pseudonym plus the firm and consortium names — nothing from the CSR's subject reaches the chain. The issuing
 * firm (or an admin) revokes, suspends and resumes; other RA firms register their acceptance. Each event is a
 * leaf of the certificate log, with the serial as its first indexed value.
 */
import { DictDB, emit, pki, require_, revert, Score, type ScoreApi } from '../../src/score/sdk/index.js';
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
}

type PkiAnswer<T> = ({ ok: true } & T) | { ok: false; code: string; message: string };

const hex = (n: bigint): string => `0x${n.toString(16)}`;

export default class CertificateAuthorityScore extends Score {
  static readonly api: ScoreApi = CERTIFICATE_AUTHORITY_API;

  private readonly certificates = new DictDB('certificates', 'json');
  /** Key fingerprint (SHA-256 of the SPKI) → serial: a public key already in use is refused. */
  private readonly keys = new DictDB('keys', 'str');
  /** `<serial>/<firm>` → customerRef: firms that accepted the certificate for their own customer. */
  private readonly registrations = new DictDB('registrations', 'str');

  issue(csr: string, subjectId: string, validityDays: bigint): string {
    const who = caller(this.ctx.sender);
    require_(who.ra && who.firm !== undefined, 'NOT_RA', 'only RA firms issue certificates');
    checkSubjectId(subjectId);
    checkValidity(validityDays);
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
      firm: who.firm,
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
      firm: who.firm,
      issuer: who.address,
      subjectId,
      fingerprint: parsed.fingerprint,
      notAfter: issued.notAfter,
    };
    this.certificates.set(issued.serial, record);
    this.keys.set(parsed.fingerprint, issued.serial);
    emit('CertificateIssued', [issued.serial, who.firm], [subjectId, parsed.fingerprint, hex(validityDays)]);
    return issued.serial;
  }

  revoke(serial: string, reason: bigint): void {
    checkReason(reason);
    const { record, who } = this.managed(serial);
    require_(record.status !== 'revoked', 'ALREADY_REVOKED', `${serial} is already revoked`);
    this.save({ ...record, status: 'revoked', revokedAt: hex(this.ctx.height), reason: hex(reason) });
    emit('CertificateRevoked', [serial], [hex(reason), who.address]);
  }

  suspend(serial: string): void {
    const { record, who } = this.managed(serial);
    require_(record.status !== 'revoked', 'ALREADY_REVOKED', `${serial} is revoked`);
    require_(record.status !== 'suspended', 'ALREADY_SUSPENDED', `${serial} is already suspended`);
    this.save({ ...record, status: 'suspended' });
    emit('CertificateSuspended', [serial], [who.address]);
  }

  resume(serial: string): void {
    const { record, who } = this.managed(serial);
    require_(record.status === 'suspended', 'NOT_SUSPENDED', `${serial} is not suspended`);
    this.save({ ...record, status: 'good' });
    emit('CertificateResumed', [serial], [who.address]);
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
    };
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
