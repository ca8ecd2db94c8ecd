/**
 * Why a SCORE call or transaction failed. A failure is data in a receipt (and the error of an icx_call), so
 * its codes are a released identifier like a storage prefix: never reused for another meaning. Messages are
 * written by the host (or, for SCORE_REVERT, by the SCORE on purpose) and are deterministic: they never carry
 * a V8 error text, a stack, a path or an internal exception, which would differ between nodes.
 */
import { LoopchainError } from '../errors.js';

export type FailureCode =
  /** The SCORE threw `ScoreRevert` (SDK `revert`/`require_`): `scoreCode` is its own code. */
  | 'SCORE_REVERT'
  /** The SCORE threw anything else; the message names only the error class. */
  | 'SCORE_ERROR'
  | 'SCORE_NOT_FOUND'
  /** Every version of the SCORE waits for governance approval. */
  | 'SCORE_PENDING'
  /** Governance rejected every version of the SCORE. */
  | 'SCORE_REJECTED'
  | 'METHOD_NOT_FOUND'
  /** A transaction called a readonly method (readonly methods serve icx_call only). */
  | 'METHOD_READONLY'
  /** icx_call named a method that writes. */
  | 'METHOD_NOT_READONLY'
  /** A readonly call tried to write state, emit an event or use a system operation. */
  | 'READONLY_WRITE'
  | 'INVALID_PARAMS'
  /** The method returned a value that does not match its declared return type. */
  | 'INVALID_RESULT'
  /** The method returned a floating-point number: not an ICON value. */
  | 'FLOAT_RESULT'
  /** The method returned a thenable, or touched the bridge after it returned. */
  | 'ASYNC_RESULT'
  /** An event that is not declared in the SCORE's api, or values that do not match it. */
  | 'INVALID_EVENT'
  /** A key, value, event or result over the size limits. */
  | 'LIMIT_EXCEEDED'
  /** The execution time limit of the transaction (or query) was reached. */
  | 'TIME_LIMIT'
  /** The SCORE used a capability withheld from it: clock, randomness, locale, GC, code generation… */
  | 'NON_DETERMINISTIC'
  /** `system` from a SCORE that is not the governance SCORE. */
  | 'SYSTEM_FORBIDDEN'
  /** A malformed or inapplicable system operation (unknown operation, bad arguments, wrong version…). */
  | 'INVALID_SYSTEM_CALL'
  /** `pki` from a SCORE that is not the chain's certificate authority SCORE. */
  | 'PKI_FORBIDDEN'
  /** `pki issue` in a block executed without a block signer (no per-block issuer configured). */
  | 'PKI_UNAVAILABLE'
  /** A malformed `pki` operation (unknown operation, bad arguments). */
  | 'INVALID_PKI_CALL'
  /** A malformed `governance` query (unknown query, bad arguments, no governance SCORE). */
  | 'INVALID_GOVERNANCE_QUERY'
  /** Governance does not allow this sender to deploy, or to update this SCORE. */
  | 'DEPLOY_FORBIDDEN'
  /** The deployed code does not load, has forbidden syntax or a malformed api. */
  | 'DEPLOY_INVALID'
  /** A transaction carries value: ICX transfers are not part of this chain. */
  | 'VALUE_TRANSFER'
  /** A bug in the host. The detail goes to the node's log, never into a receipt. */
  | 'INTERNAL';

export interface Failure {
  readonly code: FailureCode;
  readonly message: string;
  /** For SCORE_REVERT: the code the SCORE gave. */
  readonly scoreCode?: string;
}

export function failure(code: FailureCode, message: string, scoreCode?: string): Failure {
  return scoreCode === undefined ? { code, message } : { code, message, scoreCode };
}

/** Errors thrown (rather than recorded in receipts) by the runtime: caller mistakes and failed queries. */
export type ScoreErrorCode =
  | FailureCode
  /** A caller passed something malformed (height, context, code, state view). */
  | 'INVALID_ARGUMENT'
  /** An overlay committed out of order, or used after it was sealed or committed. */
  | 'STATE_OUT_OF_ORDER'
  /** A built-in SCORE could not be installed at genesis. */
  | 'GENESIS_FAILED'
  /** esbuild could not bundle a contract. */
  | 'BUNDLE_FAILED';

export class ScoreError extends LoopchainError<ScoreErrorCode> {
  static from(f: Failure): ScoreError {
    return new ScoreError(f.code, f.message, f.scoreCode === undefined ? {} : { scoreCode: f.scoreCode });
  }

  /** The receipt form; codes that only callers see become INTERNAL. */
  toFailure(): Failure {
    const scoreCode = typeof this.detail.scoreCode === 'string' ? this.detail.scoreCode : undefined;
    return isFailureCode(this.code)
      ? failure(this.code, this.message, scoreCode)
      : failure('INTERNAL', 'internal error');
  }
}

const FAILURE_CODES: ReadonlySet<string> = new Set<FailureCode>([
  'SCORE_REVERT',
  'SCORE_ERROR',
  'SCORE_NOT_FOUND',
  'SCORE_PENDING',
  'SCORE_REJECTED',
  'METHOD_NOT_FOUND',
  'METHOD_READONLY',
  'METHOD_NOT_READONLY',
  'READONLY_WRITE',
  'INVALID_PARAMS',
  'INVALID_RESULT',
  'FLOAT_RESULT',
  'ASYNC_RESULT',
  'INVALID_EVENT',
  'LIMIT_EXCEEDED',
  'TIME_LIMIT',
  'NON_DETERMINISTIC',
  'SYSTEM_FORBIDDEN',
  'INVALID_SYSTEM_CALL',
  'PKI_FORBIDDEN',
  'PKI_UNAVAILABLE',
  'INVALID_PKI_CALL',
  'INVALID_GOVERNANCE_QUERY',
  'DEPLOY_FORBIDDEN',
  'DEPLOY_INVALID',
  'VALUE_TRANSFER',
  'INTERNAL',
]);

export function isFailureCode(code: string): code is FailureCode {
  return FAILURE_CODES.has(code);
}

/**
 * The block cannot be valid: the per-block issuer found the proposer's recorded issuance (issuer certificate,
 * signatures, TBS bytes) different from this node's own execution. applyBlock throws it instead of recording a
 * receipt failure, and the node treats the whole block as invalid. `detail.reason` is the BlockIssuerError code.
 */
export class BlockInvalidError extends LoopchainError<'BLOCK_INVALID'> {
  constructor(message: string, detail: Record<string, unknown> = {}) {
    super('BLOCK_INVALID', message, detail);
  }
}
