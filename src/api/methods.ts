/**
 * The ICON v3 methods (DESIGN §7). Each takes params already checked against its schema and answers ICON JSON
 * or throws: an RpcError for answers the client should see, anything else is a bug the dispatcher logs and
 * hides behind an internal error.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { hexToBytes } from '../codec/hex.js';
import {
  parseTransaction,
  txHashHex,
  verifyTransaction,
  TxError,
  type Transaction,
  type TxLimits,
} from '../ledger/transaction.js';
import { ScoreError } from '../score/errors.js';
import type { TransactionResultJson } from '../score/receipt.js';
import {
  blockJson,
  transactionJson,
  transactionResultJson,
  type BlockJson,
  type TransactionJson,
} from './icon-json.js';
import type { ChannelPort, CommittedBlock } from './port.js';
import { fromScoreError, fromSubmitError, fromTxError, notFound, RpcCode, RpcError } from './rpc-error.js';
import type { MethodName } from './schemas.js';

/** How long icx_*AndWait / icx_waitTransactionResult wait: the client's wish capped by the server. */
export interface WaitBudget {
  /** What the client asked for (Icon-Options `timeout`), or the server's maximum when it did not ask. */
  readonly requestedMs: number;
  readonly maxMs: number;
}

export interface MethodContext {
  readonly port: ChannelPort;
  readonly txLimits: TxLimits;
  readonly wait: WaitBudget;
  /** Aborts when the client closes the connection or the server shuts down. */
  readonly signal: AbortSignal;
  readonly isShuttingDown: () => boolean;
}

type Params = Record<string, unknown>;
type Handler = (params: Params, ctx: MethodContext) => Promise<unknown>;

/** A hash that passed the schema (`0x` + 64 hex digits, or 64 without the prefix for block hashes). */
function hashBytes(hex: string): Uint8Array {
  const bytes = hexToBytes(hex.startsWith('0x') ? hex.slice(2) : hex);
  if (bytes === undefined) throw new Error('schema let through a malformed hash');
  return bytes;
}

/** Parses, checks the signature, submits; returns the admitted transaction. Effects: mempool admission. */
async function admit(params: Params, ctx: MethodContext): Promise<Transaction> {
  let tx: Transaction;
  try {
    tx = parseTransaction(params, ctx.txLimits);
    verifyTransaction(tx);
  } catch (e) {
    if (e instanceof TxError) throw fromTxError(e);
    throw e;
  }
  try {
    await ctx.port.submit(tx);
  } catch (e) {
    throw fromSubmitError(e, txHashHex(tx)) ?? e;
  }
  return tx;
}

/** Waits for the commit of `hash` within the budget; an ICON timeout error when it does not come. */
async function waitResult(hash: Uint8Array, ctx: MethodContext): Promise<TransactionResultJson> {
  const waitMs = Math.min(ctx.wait.requestedMs, ctx.wait.maxMs);
  const committed = await ctx.port.waitCommitted(hash, waitMs, ctx.signal);
  if (committed !== undefined) return transactionResultJson(committed);
  const txHash = `0x${Buffer.from(hash).toString('hex')}`;
  if (ctx.isShuttingDown()) {
    throw new RpcError(RpcCode.SYSTEM_ERROR, 'System error: the node is shutting down', {
      code: 'SHUTTING_DOWN',
      txHash,
    });
  }
  // goloop: Timeout when the client's own timeout passed, System timeout when the server's cap cut it short.
  if (ctx.wait.requestedMs > ctx.wait.maxMs) {
    throw new RpcError(RpcCode.SYSTEM_TIMEOUT, `System timeout: no result within ${waitMs} ms`, {
      code: 'SYSTEM_TIMEOUT',
      txHash,
    });
  }
  throw new RpcError(RpcCode.TIMEOUT, `Timeout: no result within ${waitMs} ms`, { code: 'TIMEOUT', txHash });
}

async function blockOrNotFound(found: Promise<CommittedBlock | undefined>, what: string): Promise<BlockJson> {
  const b = await found;
  if (b === undefined) throw notFound(what, 'BLOCK_NOT_FOUND');
  return blockJson(b);
}

const pendingError = (txHash: string): RpcError =>
  new RpcError(RpcCode.PENDING, 'Pending: the transaction is not in a committed block yet', {
    code: 'PENDING',
    txHash,
  });

export const HANDLERS: Readonly<Record<MethodName, Handler>> = {
  async icx_sendTransaction(params, ctx): Promise<string> {
    return txHashHex(await admit(params, ctx));
  },

  async icx_sendTransactionAndWait(params, ctx): Promise<TransactionResultJson> {
    const tx = await admit(params, ctx);
    return waitResult(tx.hash, ctx);
  },

  async icx_getTransactionResult(params, ctx): Promise<TransactionResultJson> {
    const txHash = params.txHash as string;
    const hash = hashBytes(txHash);
    const committed = await ctx.port.transaction(hash);
    if (committed !== undefined) return transactionResultJson(committed);
    if (ctx.port.isPending(hash)) throw pendingError(txHash);
    throw notFound(`no transaction ${txHash}`, 'TX_NOT_FOUND');
  },

  async icx_waitTransactionResult(params, ctx): Promise<TransactionResultJson> {
    const txHash = params.txHash as string;
    const hash = hashBytes(txHash);
    const committed = await ctx.port.transaction(hash);
    if (committed !== undefined) return transactionResultJson(committed);
    if (ctx.port.isPending(hash)) return waitResult(hash, ctx);
    // It may have been committed between the two looks.
    const late = await ctx.port.transaction(hash);
    if (late !== undefined) return transactionResultJson(late);
    throw notFound(`no transaction ${txHash}`, 'TX_NOT_FOUND');
  },

  async icx_getTransactionByHash(params, ctx): Promise<TransactionJson> {
    const txHash = params.txHash as string;
    const hash = hashBytes(txHash);
    const committed = await ctx.port.transaction(hash);
    if (committed !== undefined) return transactionJson(committed);
    if (ctx.port.isPending(hash)) throw pendingError(txHash);
    throw notFound(`no transaction ${txHash}`, 'TX_NOT_FOUND');
  },

  async icx_getLastBlock(_params, ctx): Promise<BlockJson> {
    return blockJson(await ctx.port.lastBlock());
  },

  async icx_getBlockByHeight(params, ctx): Promise<BlockJson> {
    const raw = params.height as string;
    const height = BigInt(raw);
    if (height > BigInt(Number.MAX_SAFE_INTEGER))
      throw notFound(`no block at height ${raw}`, 'BLOCK_NOT_FOUND');
    return blockOrNotFound(ctx.port.blockByHeight(Number(height)), `no block at height ${raw}`);
  },

  async icx_getBlockByHash(params, ctx): Promise<BlockJson> {
    const raw = params.hash as string;
    return blockOrNotFound(ctx.port.blockByHash(hashBytes(raw)), `no block with hash ${raw}`);
  },

  async icx_call(params, ctx): Promise<IconValue | null> {
    const data = params.data as { method: string; params?: Record<string, IconValue> };
    try {
      return ctx.port.call({
        to: params.to as string,
        method: data.method,
        ...(data.params === undefined ? {} : { params: data.params }),
        ...(params.from === undefined ? {} : { from: params.from as string }),
      });
    } catch (e) {
      if (e instanceof ScoreError) throw fromScoreError(e) ?? e;
      throw e;
    }
  },

  async icx_getScoreApi(params, ctx): Promise<unknown> {
    const address = params.address as string;
    try {
      return ctx.port.scoreApi(address);
    } catch (e) {
      if (e instanceof ScoreError) {
        // goloop answers Not found when the address has no active contract.
        if (e.code === 'SCORE_NOT_FOUND' || e.code === 'SCORE_PENDING' || e.code === 'SCORE_REJECTED') {
          throw new RpcError(RpcCode.NOT_FOUND, `Not found: ${e.message}`, { code: e.code });
        }
        throw fromScoreError(e) ?? e;
      }
      throw e;
    }
  },
};
