/** Transaction hashing and verification: native libsecp256k1 beside the pure-JS fallback. */
import { createRequire } from 'node:module';
import {
  parseTransaction,
  signTransaction,
  transactionHash,
  verifyTransaction,
} from '../src/ledger/transaction.js';
import { publicKeyOf } from '../src/crypto/secp256k1.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { measure, time, type Result } from './harness.js';

const elliptic = createRequire(import.meta.url)('secp256k1/elliptic') as {
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
};

export function sampleTransactions(count: number) {
  const key = new Uint8Array(32).fill(0x42);
  const from = addressFromPublicKey(publicKeyOf(key));
  return Array.from({ length: count }, (_, i) =>
    signTransaction(
      {
        version: '0x3',
        from,
        to: `cx${'ab'.repeat(20)}`,
        stepLimit: '0x1000000',
        timestamp: `0x${(1_764_460_800_000_000 + i).toString(16)}`,
        nid: '0x1',
        nonce: `0x${i.toString(16)}`,
        dataType: 'call',
        data: { method: 'post', params: { message: `bench message number ${i}`, tags: ['a', 'b', null] } },
      },
      key,
    ),
  );
}

export async function benchTransactions(): Promise<Result[]> {
  const params = sampleTransactions(2000);
  const parsed = params.map((p) => parseTransaction(p));
  return [
    await measure('tx hash (ICON serialize + SHA3-256)', 'tx/s', 7, () => {
      const { ms } = time(() =>
        params.forEach((p) => transactionHash(p as unknown as Record<string, unknown>)),
      );
      return { ops: params.length, ms };
    }),
    await measure('tx parse + validate + hash', 'tx/s', 7, () => {
      const { ms } = time(() => params.forEach((p) => parseTransaction(p)));
      return { ops: params.length, ms };
    }),
    await measure('tx signature verify (native libsecp256k1, recover + check)', 'tx/s', 7, () => {
      const { ms } = time(() => parsed.forEach((t) => verifyTransaction(t)));
      return { ops: parsed.length, ms };
    }),
    await measure(
      'tx signature recover (pure-JS elliptic, for comparison)',
      'tx/s',
      3,
      () => {
        const some = parsed.slice(0, 100);
        const { ms } = time(() =>
          some.forEach((t) =>
            elliptic.ecdsaRecover(t.signature.subarray(0, 64), t.signature[64]!, t.hash, false),
          ),
        );
        return { ops: some.length, ms };
      },
      'why the native addon is required',
    ),
  ];
}
