/**
 * SCORE execution: simple calls through applyBlock (one block of 1,000 counter increments per sample, applied
 * over the same committed parent), and readonly queries (icx_call), which each start a fresh sandbox.
 */
import type { Transaction } from '../src/ledger/transaction.js';
import { applyBlock } from '../src/score/apply-block.js';
import { alice, callTx, ctxAt, fixture, TestChain } from '../test/helpers/score-chain.js';
import { measure, time, type Result } from './harness.js';

const CALLS_PER_BLOCK = 1000;
const QUERIES_PER_SAMPLE = 200;

export async function benchScore(): Promise<Result[]> {
  const chain = await TestChain.start();
  const counter = chain.deployActive(await fixture('counter'));
  const txs: Transaction[] = Array.from({ length: CALLS_PER_BLOCK }, (_, i) =>
    i % 2 === 0 ? callTx(alice, counter, 'increment') : callTx(alice, counter, 'add', { amount: '0x2' }),
  );
  const ctx = ctxAt(chain.height + 1);
  const calls = await measure(
    `SCORE calls through applyBlock (${CALLS_PER_BLOCK} counter calls per block)`,
    'calls/s',
    5,
    () => {
      const { value, ms } = time(() => applyBlock(chain.state, { transactions: txs }, ctx));
      if (value.receipts.some((r) => r.status !== 1)) throw new Error('a benchmark call failed');
      return { ops: CALLS_PER_BLOCK, ms };
    },
    'sandboxed, 2 s time limit per call, receipts and roots included',
  );
  const queries = await measure('icx_call readonly queries (fresh sandbox each)', 'queries/s', 5, () => {
    const { ms } = time(() => {
      for (let i = 0; i < QUERIES_PER_SAMPLE; i++) chain.query(counter, 'value');
    });
    return { ops: QUERIES_PER_SAMPLE, ms };
  });
  return [calls, queries];
}
