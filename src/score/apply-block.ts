/**
 * applyBlock: the one block-application function of proposer and validators (STYLE 3). The proposer puts the
 * returned roots into its header; a validator compares them with the proposed header and rejects any
 * mismatch. Same parent state, same transactions, same context → byte-identical receipts, writes and roots.
 *
 * Transactions are expected to be validated and signature-checked already (parseTransaction,
 * verifyTransaction); nid, timestamps and replay are the block validator's business. Each transaction runs in
 * its own overlay: on success it is merged into the block, on failure it is dropped with its events and the
 * receipt says why — the block goes on.
 */
import { bytesToHex } from '../codec/hex.js';
import { transactionsRoot } from '../ledger/block.js';
import type { CallData, Transaction } from '../ledger/transaction.js';
import { executeDeploy } from './deploy.js';
import { BlockIssuerError } from '../pki/errors.js';
import type { IssuanceRecord } from '../pki/block-issuer.js';
import { BlockInvalidError, failure, type Failure } from './errors.js';
import { Executor, type BlockContext } from './execution.js';
import { installGenesisScore, type GenesisScore } from './genesis.js';
import { BlockOverlay, type StateView } from './overlay.js';
import { BATCH_WINDOW_MS, SharedWatchdog } from './time-limit.js';
import { encodeReceipt, receiptHash, receiptsRoot, type EventLog, type Receipt } from './receipt.js';
import type { ValidatorChange } from './score-store.js';

import { CHAIN_CONFIG_KEY } from './state-layout.js';
import { appendCertLog, certLogLeafData, type CertLogCheckpoint } from './cert-log-state.js';

export { commit } from './overlay.js';

export interface BlockInput {
  readonly transactions: readonly Transaction[];
  /** Built-in SCOREs, installed before the transactions; only in the genesis block. */
  readonly genesis?: readonly GenesisScore[];
  /** The chain config as canonical JSON, stored at CHAIN_CONFIG_KEY; only in the genesis block. */
  readonly chainConfig?: string;
}

export interface BlockRoots {
  readonly transactionsRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface ApplyResult {
  /** Sealed; commit() gives its storage writes, CommittedState.apply() takes it once they are durable. */
  readonly state: BlockOverlay;
  readonly receipts: readonly Receipt[];
  /** encodeReceipt of each receipt, as committed (`CommittedTransaction.receiptBytes`). */
  readonly receiptBytes: readonly Uint8Array[];
  readonly roots: BlockRoots;
  /**
   * The certificate log after this block (DESIGN §3: certLogRoot and certLogSize of the header): every event of
   * the certificate SCORE in a successful transaction is a leaf, in transaction and event order.
   */
  readonly certLog: CertLogCheckpoint;
  /** Validator sets governance scheduled in this block, for the node to apply at their height. */
  readonly validatorChanges: readonly ValidatorChange[];
  /**
   * The block's certificate issuance (`ctx.blockSigner.finish()`): on the proposer the record to put into the
   * block, on a validator the record it checked; undefined when the block issues nothing.
   */
  readonly issuance?: IssuanceRecord;
  /** Host errors behind INTERNAL failures, for the node's log only. */
  readonly diagnostics: readonly { readonly txIndex: number; readonly error: unknown }[];
}

interface TxOutcome {
  readonly failure?: Failure;
  readonly events: readonly EventLog[];
  readonly scoreAddress?: string;
  readonly validatorChanges: readonly ValidatorChange[];
  readonly internal?: unknown;
}

const NOTHING: TxOutcome = { events: [], validatorChanges: [] };

function run(
  executor: Executor,
  state: ReturnType<BlockOverlay['beginTx']>,
  tx: Transaction,
  txHash: string,
): TxOutcome {
  const deadline = executor.deadline();
  if (tx.value > 0n) {
    return {
      ...NOTHING,
      failure: failure('VALUE_TRANSFER', 'ICX value transfers are not supported on this chain'),
    };
  }
  switch (tx.dataType) {
    case undefined:
    case 'message':
      return NOTHING;
    case 'deploy': {
      const r = executeDeploy(executor, state, tx, deadline);
      executor.invalidateGovernanceAnswers(); // a deploy may update the governance SCORE itself
      return r.ok ? { ...NOTHING, scoreAddress: r.scoreAddress } : { ...NOTHING, failure: r.failure };
    }
    case 'call': {
      const data = tx.params.data as CallData;
      const r = executor.call(
        state,
        {
          address: tx.to,
          method: data.method,
          ...(data.params === undefined ? {} : { params: data.params }),
          sender: tx.from,
          txHash,
          origin: 'tx',
        },
        deadline,
      );
      return r.ok
        ? { events: r.events, validatorChanges: r.validatorChanges }
        : { ...NOTHING, failure: r.failure, internal: r.internal };
    }
  }
}

/**
 * Applies a block: first as one attempt under a shared watchdog per batch of transactions (time-limit.ts), and
 * only when something reached a time limit there — or a check the signer deferred to another thread failed
 * (ADR 0004) — again with a watchdog per sandbox run and every check inline: the reference behaviour, whose
 * result the first attempt equals whenever it completes (ADR 0003).
 */
export function applyBlock(parent: StateView, block: BlockInput, ctx: BlockContext): ApplyResult {
  const signer = ctx.blockSigner;
  // A signer that cannot start the block again (a custom one) keeps the single, per-run-watchdog attempt.
  if (block.transactions.length > 0 && (signer === undefined || signer.restart !== undefined)) {
    const result = attempt(parent, block, ctx, new SharedWatchdog());
    if (result !== undefined) return result;
    signer?.restart?.();
  }
  return attempt(parent, block, ctx, undefined)!;
}

/**
 * One execution of the block; undefined when `watchdog` was overrun or a deferred check of the signer failed
 * (the attempt's effects are thrown away).
 */
function attempt(
  parent: StateView,
  block: BlockInput,
  ctx: BlockContext,
  watchdog: SharedWatchdog | undefined,
): ApplyResult | undefined {
  const state = new BlockOverlay(parent, ctx.height);
  const executor = new Executor(ctx);
  if (block.chainConfig !== undefined) {
    if (ctx.height !== 0) throw new RangeError('the chain config is written by the genesis block only');
    state.set(CHAIN_CONFIG_KEY, block.chainConfig);
  }
  if (block.genesis !== undefined) {
    for (const score of block.genesis) installGenesisScore(state, score, ctx, executor);
  }
  const receipts: Receipt[] = [];
  const validatorChanges: ValidatorChange[] = [];
  const diagnostics: { txIndex: number; error: unknown }[] = [];
  const leaves: Uint8Array[] = [];
  let abandoned = false;
  const settled = (): boolean => ctx.blockSigner?.settle?.() ?? true;
  const apply = (tx: Transaction, txIndex: number): void => {
    const txState = state.beginTx();
    const txHash = `0x${bytesToHex(tx.hash)}`;
    let outcome: TxOutcome;
    try {
      outcome = run(executor, txState, tx, txHash);
    } catch (error) {
      outcome = { ...NOTHING, failure: failure('INTERNAL', 'internal error'), internal: error };
    }
    if (watchdog?.overrun === true || abandoned) return; // the attempt is thrown away: record nothing
    if (executor.blockFault !== undefined) {
      // A deferred signature check before this fault may fail: then the inline execution decides the error.
      if (watchdog !== undefined && !settled()) {
        abandoned = true;
        return;
      }
      throw blockInvalid(executor.blockFault, txIndex);
    }
    if (outcome.failure === undefined) {
      state.merge(txState);
      validatorChanges.push(...outcome.validatorChanges);
      for (const event of outcome.events) {
        if (event.scoreAddress !== ctx.certificateAuthorityAddress) continue;
        const leaf = certLogLeafData(event, ctx.height, txHash);
        if (leaf !== undefined) leaves.push(leaf);
      }
    } else if (outcome.failure.code === 'INTERNAL') {
      diagnostics.push({ txIndex, error: outcome.internal });
    }
    receipts.push({
      txHash,
      blockHeight: ctx.height,
      txIndex,
      to: tx.to,
      status: outcome.failure === undefined ? 1 : 0,
      ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
      eventLogs: outcome.failure === undefined ? outcome.events : [],
      ...(outcome.failure === undefined && outcome.scoreAddress !== undefined
        ? { scoreAddress: outcome.scoreAddress }
        : {}),
    });
  };
  const txs = block.transactions;
  if (watchdog === undefined) {
    txs.forEach(apply);
  } else {
    executor.watchdog = watchdog;
    // Each batch takes transactions for BATCH_WINDOW_MS; its watchdog fires a whole time limit after that, so
    // whatever it stops has run past its own budget.
    let next = 0;
    const batch = (): void => {
      const start = executor.now();
      do {
        apply(txs[next]!, next);
        next++;
      } while (
        next < txs.length &&
        !watchdog.overrun &&
        !abandoned &&
        executor.now() - start < BATCH_WINDOW_MS
      );
    };
    while (next < txs.length) {
      if (!watchdog.run(executor.limits.timeLimitMs + BATCH_WINDOW_MS, batch) || abandoned) return undefined;
    }
    executor.watchdog = undefined;
    if (!settled()) return undefined;
  }
  let issuance: IssuanceRecord | undefined;
  try {
    issuance = ctx.blockSigner?.finish();
  } catch (e) {
    if (e instanceof BlockIssuerError) throw blockInvalid(e);
    throw e;
  }
  const certLog = appendCertLog(state, leaves);
  const receiptBytes = receipts.map(encodeReceipt);
  const stateRoot = state.seal();
  return {
    ...(issuance === undefined ? {} : { issuance }),
    state,
    receipts,
    receiptBytes,
    roots: {
      transactionsRoot: transactionsRoot(block.transactions.map((tx) => tx.hash)),
      receiptsRoot: receiptsRoot(receiptBytes.map(receiptHash)),
      stateRoot,
    },
    certLog,
    validatorChanges,
    diagnostics,
  };
}

function blockInvalid(e: BlockIssuerError, txIndex?: number): BlockInvalidError {
  return new BlockInvalidError(`the block's certificate issuance is invalid: ${e.message}`, {
    reason: e.code,
    ...(txIndex === undefined ? {} : { txIndex }),
    cause: e,
  });
}
