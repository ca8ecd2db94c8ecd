/** commitBlock throughput on a real LevelDB (synced batches), with 1,000-transaction blocks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ChannelStorage, type BlockCommit } from '../src/storage/channel-storage.js';
import { LevelStore } from '../src/storage/level-store.js';
import { encodeTransaction, parseTransaction } from '../src/ledger/transaction.js';
import { measure, timeAsync, type Result } from './harness.js';
import { sampleTransactions } from './transactions.js';

const TXS_PER_BLOCK = 1000;
const BLOCKS_PER_SAMPLE = 10;

function digest(...parts: (string | number)[]): Uint8Array {
  return new Uint8Array(createHash('sha256').update(parts.join('/')).digest());
}

export async function benchStorage(): Promise<Result[]> {
  const txs = sampleTransactions(TXS_PER_BLOCK).map((p) => encodeTransaction(parseTransaction(p)));
  const receipt = new Uint8Array(160).fill(7);
  const dir = mkdtempSync(join(tmpdir(), 'loopchain-bench-'));
  const store = await LevelStore.open(join(dir, 'db'));
  const storage = new ChannelStorage(store, 'bench');
  let height = 0;
  const commitFor = (h: number): BlockCommit => ({
    height: h,
    hash: digest('block', h),
    blockBytes: new Uint8Array(TXS_PER_BLOCK * 420),
    transactions: txs.map((bytes, i) => ({ hash: digest('tx', h, i), bytes, receiptBytes: receipt })),
    stateWrites: txs.map((_, i) => ({ key: digest('state', i % 5000), value: digest('value', h, i) })),
    logNodes: Array.from({ length: 20 }, (_, i) => ({
      level: 0,
      index: h * 20 + i,
      hash: digest('log', h, i),
    })),
  });
  try {
    const result = await measure(
      `commitBlock, ${TXS_PER_BLOCK}-tx blocks (LevelDB, synced batch)`,
      'blocks/s',
      5,
      async () => {
        const { ms } = await timeAsync(async () => {
          for (let i = 0; i < BLOCKS_PER_SAMPLE; i++) await storage.commitBlock(commitFor(height++));
        });
        return { ops: BLOCKS_PER_SAMPLE, ms };
      },
      `×${TXS_PER_BLOCK} = committed tx/s`,
    );
    return [result];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
