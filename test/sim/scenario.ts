/**
 * What happens in one simulated run, drawn from its seed alone so any failure replays from the seed:
 * timing parameters, the fault window (delay, drop, duplicate, partitions, crashes) and which validators
 * are Byzantine and how. Everything after `healAt` is calm: bounded delays, no drops, all links up, so
 * liveness is owed from then on (the partial-synchrony model's GST).
 */
import { SeededRandom } from '../helpers/seeded-random.js';

export type Role = 'honest' | 'twin' | 'mutator';

export interface InstanceSpec {
  /** Position among the simulated instances. */
  readonly index: number;
  /** Which validator key it holds; Twins are two instances of one validator. */
  readonly validator: number;
  readonly label: string;
  readonly role: Role;
  /**
   * Twins: the half of the network this twin talks to (0 or 1). Honest instances: the twin they
   * talk to (0 or 1) or 2 for both, so Twins equivocate between groups of honest nodes.
   */
  readonly side: number;
}

export interface LinkFaults {
  readonly maxDelayMs: number;
  /** Chance that a message is held back much longer, so it arrives after later ones (reorder). */
  readonly spikeProb: number;
  readonly spikeMs: number;
  readonly dropProb: number;
  readonly dupProb: number;
}

export interface PartitionSpec {
  readonly start: number;
  readonly end: number;
  /** Group of each instance; messages cross only within a group while the partition holds. */
  readonly group: readonly number[];
}

export interface CrashSpec {
  readonly instance: number;
  readonly at: number;
  readonly restartAt: number;
  /**
   * Crash in the middle of carrying out the node's next step that persists, after a random prefix of
   * its effects: a reducer that let a vote out before persisting it double votes after the restart.
   */
  readonly midStep: boolean;
}

export interface Scenario {
  readonly seed: number;
  readonly n: number;
  readonly k: number;
  readonly instances: readonly InstanceSpec[];
  readonly leaderTerm: number;
  readonly baseTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly futureRoundWindow: number;
  /** Link behaviour before `healAt`, and after it. */
  readonly faults: LinkFaults;
  readonly calm: LinkFaults;
  readonly healAt: number;
  readonly partitions: readonly PartitionSpec[];
  readonly crashes: readonly CrashSpec[];
  /** Chance a mutator tampers with each message it sends, and how often it injects forgeries. */
  readonly mutationRate: number;
  readonly injectEveryMs: number;
  /** Mean gap between new transactions arriving at each honest node. */
  readonly txEveryMs: number;
}

export const CALM: LinkFaults = { maxDelayMs: 30, spikeProb: 0, spikeMs: 0, dropProb: 0, dupProb: 0.02 };

export function scenarioFromSeed(seed: number, n: number, k: number): Scenario {
  if (k > n) throw new RangeError(`cannot have ${k} Byzantine validators among ${n}`);
  const rnd = new SeededRandom(seed ^ 0x5eed5eed);
  const style = rnd.pick(['twins', 'mutator', 'mixed'] as const);
  const byzantine = new Map<number, Role>();
  const order = shuffled(rnd, [...Array(n).keys()]);
  for (const v of order.slice(0, k)) {
    byzantine.set(
      v,
      style === 'mixed' ? rnd.pick(['twin', 'mutator'] as const) : style === 'twins' ? 'twin' : 'mutator',
    );
  }
  const instances: InstanceSpec[] = [];
  for (let v = 0; v < n; v++) {
    const role = byzantine.get(v) ?? 'honest';
    if (role === 'twin') {
      for (const side of [0, 1]) {
        instances.push({ index: instances.length, validator: v, label: `v${v}${'ab'[side]}`, role, side });
      }
    } else {
      const side = role === 'honest' ? rnd.pick([0, 1, 0, 1, 2]) : 2;
      instances.push({ index: instances.length, validator: v, label: `v${v}`, role, side });
    }
  }

  const calmRun = rnd.next() < 0.15;
  const windowEnd = calmRun ? 0 : 500 + rnd.int(5500);
  const faults: LinkFaults = calmRun
    ? CALM
    : {
        maxDelayMs: rnd.pick([20, 50, 100, 300]),
        spikeProb: rnd.pick([0, 0.02, 0.1]),
        spikeMs: rnd.pick([500, 1500, 3000]),
        dropProb: rnd.pick([0, 0.02, 0.1, 0.3]),
        dupProb: rnd.pick([0, 0.05, 0.2]),
      };

  const partitions: PartitionSpec[] = [];
  const crashes: CrashSpec[] = [];
  if (!calmRun) {
    const hasTwins = instances.some((i) => i.role === 'twin');
    // Twins earn their keep when the honest nodes are split along the sides the twins see.
    if (hasTwins && rnd.next() < 0.8) {
      const start = rnd.int(500);
      const group = instances.map((i) => (i.side === 2 ? rnd.int(2) : i.side));
      partitions.push({ start, end: start + 1000 + rnd.int(4000), group });
    }
    const extra = rnd.int(3);
    for (let p = 0; p < extra; p++) {
      const start = rnd.int(windowEnd);
      const groups = 2 + rnd.int(2);
      partitions.push({
        start,
        end: start + 200 + rnd.int(3000),
        group: instances.map(() => rnd.int(groups)),
      });
    }
    const honest = instances.filter((i) => i.role === 'honest');
    const roll = rnd.next();
    const crashCount = Math.min(honest.length, roll < 0.45 ? 0 : roll < 0.85 ? 1 : 2);
    for (const victim of shuffled(rnd, honest).slice(0, crashCount)) {
      const at = rnd.int(windowEnd);
      crashes.push({
        instance: victim.index,
        at,
        restartAt: at + 100 + rnd.int(3000),
        midStep: rnd.next() < 0.5,
      });
    }
  }
  const healAt = Math.max(windowEnd, ...partitions.map((p) => p.end), ...crashes.map((c) => c.restartAt));
  const baseTimeoutMs = rnd.pick([100, 200, 500, 1000]);
  return {
    seed,
    n,
    k,
    instances,
    leaderTerm: rnd.pick([1, 1, 2, 3]),
    baseTimeoutMs,
    maxTimeoutMs: Math.max(baseTimeoutMs, rnd.pick([2000, 5000])),
    futureRoundWindow: rnd.pick([4, 16, 64]),
    faults,
    calm: CALM,
    healAt,
    partitions,
    crashes,
    mutationRate: rnd.pick([0.2, 0.5, 1]),
    injectEveryMs: rnd.pick([50, 200, 1000]),
    txEveryMs: rnd.pick([20, 100, 500]),
  };
}

/** n honest validators on a calm network from the start, always with transactions (bench, tests). */
export function calmScenario(n: number, overrides: Partial<Scenario> = {}): Scenario {
  return {
    seed: 1,
    n,
    k: 0,
    instances: Array.from({ length: n }, (_, i) => ({
      index: i,
      validator: i,
      label: `v${i}`,
      role: 'honest' as const,
      side: 2,
    })),
    leaderTerm: 1,
    baseTimeoutMs: 1000,
    maxTimeoutMs: 5000,
    futureRoundWindow: 16,
    faults: CALM,
    calm: CALM,
    healAt: 0,
    partitions: [],
    crashes: [],
    mutationRate: 0,
    injectEveryMs: 1000,
    txEveryMs: 5,
    ...overrides,
  };
}

function shuffled<T>(rnd: SeededRandom, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One line for the CLI: what this seed exercises. */
export function describeScenario(s: Scenario): string {
  const roles = s.instances.map((i) => (i.role === 'honest' ? i.label : `${i.label}:${i.role}`)).join(',');
  const f = s.faults;
  return (
    `[${roles}] term=${s.leaderTerm} timeout=${s.baseTimeoutMs}..${s.maxTimeoutMs}ms heal@${s.healAt}ms ` +
    `delay<=${f.maxDelayMs} drop=${f.dropProb} dup=${f.dupProb} spike=${f.spikeProb} ` +
    `partitions=${s.partitions.length} crashes=${s.crashes.length}`
  );
}
