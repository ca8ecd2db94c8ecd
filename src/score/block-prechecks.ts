/**
 * Checks that can start before a block executes (pop-precheck.ts): the proofs of possession of the CSRs its
 * transactions carry. Optional and invisible in results: `BlockContext.popChecked` only lets parseCsr skip
 * work already done on another thread.
 */
import type { CallData, Transaction } from '../ledger/transaction.js';
import type { PopCheckWorker, PopPrecheck } from '../pki/pop-precheck.js';

const PEM_START = '-----BEGIN ';

/** Every string parameter of the block's calls that looks like a PEM block, in block order. */
export function* pemParams(transactions: readonly Transaction[]): Generator<string> {
  for (const tx of transactions) {
    if (tx.dataType !== 'call') continue;
    const params = (tx.params.data as CallData).params;
    if (params === undefined) continue;
    for (const v of Object.values(params)) {
      if (typeof v === 'string' && v.startsWith(PEM_START)) yield v;
    }
  }
}

/** Starts the block's checks on `worker` and returns at once; pass the result as `BlockContext.popChecked`. */
export function startBlockPrechecks(
  worker: PopCheckWorker,
  transactions: readonly Transaction[],
): PopPrecheck {
  return worker.start(pemParams(transactions));
}

/** Starts the block's checks and waits until all are answered. */
export async function prepareBlock(
  worker: PopCheckWorker,
  transactions: readonly Transaction[],
): Promise<PopPrecheck> {
  const precheck = startBlockPrechecks(worker, transactions);
  await precheck.settled();
  return precheck;
}
