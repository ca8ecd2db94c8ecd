/**
 * Typed errors of the PKI domain (STYLE 5). The certificate SCORE maps them to receipt failures; a block
 * whose issuance check throws a `BlockIssuerError` is invalid.
 */
import { LoopchainError } from '../errors.js';

export type PkiErrorCode = 'BAD_NAME' | 'BAD_SUBJECT_ID' | 'BAD_VALIDITY' | 'BAD_KEY';
export class PkiError extends LoopchainError<PkiErrorCode> {}

export type CsrErrorCode =
  'TOO_LARGE' | 'MALFORMED_CSR' | 'UNSUPPORTED_KEY' | 'UNSUPPORTED_SIGNATURE' | 'BAD_POP';
export class CsrError extends LoopchainError<CsrErrorCode> {}

export type BlockIssuerErrorCode =
  | 'ISSUER_MISMATCH'
  | 'BAD_ISSUER_SIGNATURE'
  | 'BAD_SIGNATURE'
  | 'TBS_MISMATCH'
  | 'MISSING_SIGNATURE'
  | 'EXTRA_SIGNATURES'
  | 'UNEXPECTED_ISSUER'
  | 'ISSUER_OUTLIVES_PARENT'
  | 'FINISHED';
export class BlockIssuerError extends LoopchainError<BlockIssuerErrorCode> {}

export type CeremonyErrorCode = 'EXISTS' | 'BAD_ARGUMENT' | 'NO_PASSPHRASE' | 'BAD_PASSPHRASE' | 'BAD_FILE';
export class CeremonyError extends LoopchainError<CeremonyErrorCode> {}
