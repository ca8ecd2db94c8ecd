/**
 * The policy checks of the certificate SCORE: pseudonyms, validity, serials, RFC 5280 reasons, and who may
 * act (through the host's readonly governance lookup). Each refusal reverts with its own code.
 */
import { governance, require_ } from '../../src/score/sdk/index.js';

/** The policy maximum validity (docs/pki.md; profiles.ts DEFAULT_MAX_VALIDITY_DAYS). */
export const MAX_VALIDITY_DAYS = 1095n;

/** A pseudonym the RA derives (e.g. a keyed hash of its customer number): never personal data. */
const PSEUDONYM = /^[A-Za-z0-9_-]{16,64}$/;
const SERIAL = /^0x[0-9a-f]{32}$/;

/** RFC 5280 §5.3.1 reasons a revocation may carry; certificateHold (6) is `suspend`, 7 is unused, 8 is CRL-only. */
const REVOCATION_REASONS: ReadonlySet<bigint> = new Set([0n, 1n, 2n, 3n, 4n, 5n, 9n, 10n]);

export function checkSubjectId(subjectId: string): void {
  require_(
    PSEUDONYM.test(subjectId),
    'BAD_SUBJECT_ID',
    'subjectId must be a pseudonym of 16–64 characters [A-Za-z0-9_-]',
  );
}

export function checkCustomerRef(customerRef: string): void {
  require_(
    PSEUDONYM.test(customerRef),
    'BAD_CUSTOMER_REF',
    'customerRef must be a pseudonym of 16–64 characters [A-Za-z0-9_-]',
  );
}

export function checkValidity(days: bigint): void {
  require_(
    days >= 1n && days <= MAX_VALIDITY_DAYS,
    'BAD_VALIDITY',
    `validityDays must be 1…${MAX_VALIDITY_DAYS}`,
  );
}

export function checkSerial(serial: string): void {
  require_(SERIAL.test(serial), 'BAD_SERIAL', 'a serial is 0x followed by 32 lowercase hex digits');
}

export function checkReason(reason: bigint): void {
  require_(
    REVOCATION_REASONS.has(reason),
    'BAD_REASON',
    'reason must be an RFC 5280 revocation reason (0–5, 9, 10); use suspend for certificateHold',
  );
}

export interface Caller {
  readonly address: string;
  readonly firm: string | undefined;
  readonly ra: boolean;
  readonly admin: boolean;
}

interface Member {
  readonly name: string;
  readonly roles: readonly string[];
}

/** Who the sender is, according to governance (one readonly lookup). */
export function caller(sender: string | undefined): Caller {
  require_(
    sender !== undefined && /^hx[0-9a-f]{40}$/.test(sender),
    'NOT_MEMBER',
    'the sender is not an account',
  );
  const member = governance('getMember', { address: sender }) as Member | null;
  if (member === null) return { address: sender, firm: undefined, ra: false, admin: false };
  return {
    address: sender,
    firm: member.name,
    ra: member.roles.includes('ra'),
    admin: member.roles.includes('admin'),
  };
}
