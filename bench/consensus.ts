/**
 * Rounds per second of the LFT core in the simulator (calm network, every round a full
 * propose-vote-commit round). The simulator's signatures are keyed hashes, so this measures the reducer
 * and the simulated runtime, not secp256k1 (see the transaction rows for signature costs).
 */
import { simulateRounds } from '../test/sim/seeds.js';
import { measure, type Result } from './harness.js';

export async function benchConsensus(): Promise<Result[]> {
  const results: Result[] = [];
  for (const [n, rounds] of [
    [4, 400],
    [21, 100],
  ] as const) {
    results.push(
      await measure(
        `LFT core rounds in the simulator, n = ${n}`,
        'rounds/s',
        5,
        () => {
          const r = simulateRounds(n, rounds);
          return { ops: r.rounds, ms: r.ms };
        },
        'all n nodes simulated in one process',
      ),
    );
  }
  return results;
}
