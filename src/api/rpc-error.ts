/**
 * JSON-RPC errors of the node API: the codes of JSON-RPC 2.0 and of ICON's v3 API (goloop
 * `server/jsonrpc/error.go`, `doc/jsonrpc_v3.md`), the HTTP status each is sent with, and the one place where
 * typed errors of the ledger, the mempool and the SCORE runtime become wire errors (STYLE 5).
 *
 * `data` is always an object whose `code` is our LoopchainError code (or a code of this module), so clients
 * never have to match on messages; it may add `field`, `txHash` or `scoreCode`.
 */
import { isLoopchainError } from '../errors.js';
import { TxError } from '../ledger/transaction.js';
import { isFailureCode, type FailureCode, type ScoreError } from '../score/errors.js';

export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SERVER_ERROR: -32000,
  SYSTEM_ERROR: -31000,
  POOL_OVERFLOW: -31001,
  PENDING: -31002,
  EXECUTING: -31003,
  NOT_FOUND: -31004,
  LACK_OF_RESOURCE: -31005,
  TIMEOUT: -31006,
  SYSTEM_TIMEOUT: -31007,
  /** SCORE errors are SCORE_BASE - (ICON failure code), as goloop's ErrScore. */
  SCORE_BASE: -30000,
} as const;

export interface RpcErrorData {
  readonly code: string;
  readonly field?: string;
  readonly txHash?: string;
  readonly scoreCode?: string;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: RpcErrorData;
}

/** A JSON-RPC error on its way to the wire. `message` is public: never put internal detail in it. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: RpcErrorData | undefined;

  constructor(code: number, message: string, data?: RpcErrorData) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export const parseError = (why: string): RpcError =>
  new RpcError(RpcCode.PARSE_ERROR, `Parse error: ${why}`, { code: 'PARSE_ERROR' });
export const invalidRequest = (why: string, code = 'INVALID_REQUEST'): RpcError =>
  new RpcError(RpcCode.INVALID_REQUEST, `Invalid request: ${why}`, { code });
export const invalidParams = (why: string, field?: string, code = 'INVALID_PARAMS'): RpcError =>
  new RpcError(
    RpcCode.INVALID_PARAMS,
    `Invalid params: ${why}`,
    field === undefined ? { code } : { code, field },
  );
export const notFound = (what: string, code = 'NOT_FOUND'): RpcError =>
  new RpcError(RpcCode.NOT_FOUND, `Not found: ${what}`, { code });
export const internalError = (): RpcError =>
  new RpcError(RpcCode.INTERNAL_ERROR, 'Internal error', { code: 'INTERNAL' });

/**
 * HTTP status of a single (non-batch) error response. goloop's ErrorHandler mapping, except SCORE errors: goloop
 * sends them with 200, but icon-sdk-js 1.5.3 reads `error` only from non-2xx responses (its HttpCall rejects on
 * `!response.ok`; on 2xx it returns `result`, here undefined), so a failed icx_call would look like a null result.
 */
export function httpStatusOf(code: number): number {
  switch (code) {
    case RpcCode.PARSE_ERROR:
    case RpcCode.INVALID_REQUEST:
    case RpcCode.INVALID_PARAMS:
      return 400;
    case RpcCode.METHOD_NOT_FOUND:
    case RpcCode.NOT_FOUND:
      return 404;
    default:
      if (code <= RpcCode.SCORE_BASE && code > RpcCode.SCORE_BASE - 1000) return 400;
      return 500;
  }
}

/** Transaction fields the mempool codes are about, for `data.field`. */
const MEMPOOL_FIELD: Readonly<Record<string, string>> = {
  WRONG_NID: 'nid',
  TIMESTAMP_OUT_OF_WINDOW: 'timestamp',
};

/** A parse or signature failure of a transaction (client's mistake): -32602 naming the field. */
export function fromTxError(e: TxError): RpcError {
  const field = typeof e.detail.field === 'string' ? e.detail.field : undefined;
  return invalidParams(e.message, field, e.code);
}

/**
 * Why ChannelPort.submit refused a transaction. Mistakes the client can fix are -32602; the pool being full is
 * ICON's Pool overflow; a node catching up is Lack of resource; duplicates are System error as in goloop.
 */
export function fromSubmitError(e: unknown, txHash: string): RpcError | undefined {
  if (e instanceof TxError) return fromTxError(e);
  if (!isLoopchainError(e)) return undefined;
  const data = (extra: Partial<RpcErrorData> = {}): RpcErrorData => ({ code: e.code, txHash, ...extra });
  switch (e.code) {
    case 'WRONG_NID':
    case 'TIMESTAMP_OUT_OF_WINDOW':
    case 'TOO_LARGE':
      return new RpcError(
        RpcCode.INVALID_PARAMS,
        `Invalid params: ${e.message}`,
        MEMPOOL_FIELD[e.code] === undefined ? data() : data({ field: MEMPOOL_FIELD[e.code]! }),
      );
    case 'MEMPOOL_FULL':
      return new RpcError(RpcCode.POOL_OVERFLOW, 'Pool overflow: the transaction pool is full', data());
    case 'NODE_SYNCING':
      return new RpcError(RpcCode.LACK_OF_RESOURCE, 'Lack of resource: the node is catching up', data());
    case 'DUPLICATE':
      return new RpcError(
        RpcCode.SYSTEM_ERROR,
        'System error: the transaction is already in the pool',
        data(),
      );
    case 'ALREADY_COMMITTED':
      return new RpcError(RpcCode.SYSTEM_ERROR, 'System error: the transaction is already committed', data());
    default:
      return undefined;
  }
}

/** ICON failure codes (goloop doc/jsonrpc_v3.md, "Failure Code"). */
const ICON_FAILURE = {
  UNKNOWN_FAILURE: 1,
  CONTRACT_NOT_FOUND: 2,
  METHOD_NOT_FOUND: 3,
  METHOD_NOT_PAYABLE: 4,
  ILLEGAL_FORMAT: 5,
  INVALID_PARAMETER: 6,
  ACCESS_DENIED: 9,
  TIMEOUT_ERROR: 12,
  REVERTED: 32,
} as const;

const FAILURE_TO_ICON: Readonly<Record<FailureCode, number>> = {
  SCORE_REVERT: ICON_FAILURE.REVERTED,
  SCORE_ERROR: ICON_FAILURE.UNKNOWN_FAILURE,
  SCORE_NOT_FOUND: ICON_FAILURE.CONTRACT_NOT_FOUND,
  SCORE_PENDING: ICON_FAILURE.CONTRACT_NOT_FOUND,
  SCORE_REJECTED: ICON_FAILURE.CONTRACT_NOT_FOUND,
  METHOD_NOT_FOUND: ICON_FAILURE.METHOD_NOT_FOUND,
  METHOD_READONLY: ICON_FAILURE.METHOD_NOT_FOUND,
  METHOD_NOT_READONLY: ICON_FAILURE.METHOD_NOT_FOUND,
  READONLY_WRITE: ICON_FAILURE.ACCESS_DENIED,
  INVALID_PARAMS: ICON_FAILURE.INVALID_PARAMETER,
  INVALID_RESULT: ICON_FAILURE.ILLEGAL_FORMAT,
  FLOAT_RESULT: ICON_FAILURE.ILLEGAL_FORMAT,
  ASYNC_RESULT: ICON_FAILURE.ILLEGAL_FORMAT,
  INVALID_EVENT: ICON_FAILURE.ILLEGAL_FORMAT,
  LIMIT_EXCEEDED: ICON_FAILURE.UNKNOWN_FAILURE,
  TIME_LIMIT: ICON_FAILURE.TIMEOUT_ERROR,
  NON_DETERMINISTIC: ICON_FAILURE.ACCESS_DENIED,
  SYSTEM_FORBIDDEN: ICON_FAILURE.ACCESS_DENIED,
  INVALID_SYSTEM_CALL: ICON_FAILURE.INVALID_PARAMETER,
  PKI_FORBIDDEN: ICON_FAILURE.ACCESS_DENIED,
  PKI_UNAVAILABLE: ICON_FAILURE.UNKNOWN_FAILURE,
  INVALID_PKI_CALL: ICON_FAILURE.INVALID_PARAMETER,
  INVALID_GOVERNANCE_QUERY: ICON_FAILURE.INVALID_PARAMETER,
  DEPLOY_FORBIDDEN: ICON_FAILURE.ACCESS_DENIED,
  DEPLOY_INVALID: ICON_FAILURE.ILLEGAL_FORMAT,
  VALUE_TRANSFER: ICON_FAILURE.METHOD_NOT_PAYABLE,
  INTERNAL: ICON_FAILURE.UNKNOWN_FAILURE,
};

/** ICON reserves 32..999 for reverts: 32 + the SCORE's own code when it is a small integer. */
function revertCode(scoreCode: string | undefined): number {
  if (scoreCode !== undefined && /^(?:0|[1-9][0-9]{0,2})$/.test(scoreCode)) {
    const n = Number(scoreCode);
    if (n <= 999 - ICON_FAILURE.REVERTED) return ICON_FAILURE.REVERTED + n;
  }
  return ICON_FAILURE.REVERTED;
}

/**
 * A failed icx_call: SCORE_BASE - ICON failure code (goloop ErrScore), message as the host wrote it (host
 * messages are deterministic and carry no internals). Codes only callers of the runtime see are not SCORE
 * failures: undefined, so the caller logs them and answers an internal error.
 */
export function fromScoreError(e: ScoreError): RpcError | undefined {
  if (!isFailureCode(e.code)) return undefined;
  const scoreCode = typeof e.detail.scoreCode === 'string' ? e.detail.scoreCode : undefined;
  const icon = e.code === 'SCORE_REVERT' ? revertCode(scoreCode) : FAILURE_TO_ICON[e.code];
  const message = e.code === 'INTERNAL' ? 'internal error' : e.message;
  return new RpcError(
    RpcCode.SCORE_BASE - icon,
    message,
    scoreCode === undefined ? { code: e.code } : { code: e.code, scoreCode },
  );
}
