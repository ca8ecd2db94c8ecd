/**
 * The simulated network: which instances can reach each other at a given virtual time (partitions
 * that start and heal on schedule, and the fixed halves of the network each twin sees), and what
 * happens to each message on a link (random delay, rare long delays that reorder, drop, duplicate).
 * All choices come from the run's seeded random source.
 */
import type { SeededRandom } from '../helpers/seeded-random.js';
import type { InstanceSpec, LinkFaults, Scenario } from './scenario.js';

export class Network {
  sent = 0;
  dropped = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly rnd: SeededRandom,
  ) {}

  faultsAt(now: number): LinkFaults {
    return now < this.scenario.healAt ? this.scenario.faults : this.scenario.calm;
  }

  /** Whether a message sent now from `from` can reach `to` at all. */
  linked(from: InstanceSpec, to: InstanceSpec, now: number): boolean {
    if (from.validator === to.validator) return false; // self, or a twin pair: they never talk
    if (!twinsSee(from, to)) return false;
    for (const p of this.scenario.partitions) {
      if (p.start <= now && now < p.end && p.group[from.index] !== p.group[to.index]) return false;
    }
    return true;
  }

  /** Delays after which copies of one message arrive: none when lost, two when duplicated. */
  deliveries(from: InstanceSpec, to: InstanceSpec, now: number): number[] {
    this.sent++;
    if (!this.linked(from, to, now)) {
      this.dropped++;
      return [];
    }
    const f = this.faultsAt(now);
    if (f.dropProb > 0 && this.rnd.next() < f.dropProb) {
      this.dropped++;
      return [];
    }
    const out = [this.delay(f)];
    if (f.dupProb > 0 && this.rnd.next() < f.dupProb) out.push(this.delay(f));
    return out;
  }

  /** Delay of a request/response exchange with no particular peer (sync, execution). */
  serviceDelay(now: number): number {
    return this.delay(this.faultsAt(now)) + this.delay(this.faultsAt(now));
  }

  private delay(f: LinkFaults): number {
    let d = 1 + this.rnd.int(f.maxDelayMs);
    if (f.spikeProb > 0 && this.rnd.next() < f.spikeProb) d += this.rnd.int(f.spikeMs);
    return d;
  }
}

/**
 * Twins each see a fixed half of the network: a twin reaches honest nodes on its side (or those that
 * see both), and other twins on its side. Mutators and honest nodes see everyone.
 */
function twinsSee(a: InstanceSpec, b: InstanceSpec): boolean {
  if (a.role !== 'twin' && b.role !== 'twin') return true;
  if (a.role === 'twin' && b.role === 'twin') return a.side === b.side;
  const [twin, other] = a.role === 'twin' ? [a, b] : [b, a];
  if (other.role === 'mutator') return true;
  return other.side === 2 || other.side === twin.side;
}
