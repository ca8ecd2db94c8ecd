/**
 * One seeded run: the real LFT reducer on every simulated node, driven by virtual time. This file is
 * the runtime the reducer expects (it carries out effects in order: persist, broadcast through the
 * simulated network, timers, execution, proposal building, sync, commit) and the loop that checks the
 * invariants after every step.
 */
import { equalBytes } from '../../src/codec/hex.js';
import { summaryHash } from '../../src/consensus/digests.js';
import type { BlockSummary, ConsensusEffect, ConsensusEvent } from '../../src/consensus/types.js';
import { maxFaulty } from '../../src/consensus/validators.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import type { BlockStore } from './block-store.js';
import type { Mutator } from './byzantine.js';
import type { Checker, Violation } from './checker.js';
import { EventQueue } from './event-queue.js';
import type { Host } from './host.js';
import { Network } from './network.js';
import type { Scenario } from './scenario.js';
import { describeEvent } from './trace.js';
import { buildWorld, CHANNEL } from './world.js';

/** Liveness bound: every honest node commits within this much virtual time after the network heals. */
export const LIVENESS_BOUND_MS = 30_000;

/**
 * The bound a scenario owes: at least LIVENESS_BOUND_MS, and more when Byzantine leaders hold many
 * rounds in a row. Each of their rounds may fail only at a backed-off timer (up to maxTimeoutMs), and
 * with leader terms k Byzantine validators can lead k × leaderTerm consecutive rounds; allow three
 * more for the round in progress at the heal and the two honest rounds of a 2-chain commit.
 */
export function livenessBoundMs(s: Scenario): number {
  return Math.max(LIVENESS_BOUND_MS, (s.k * s.leaderTerm + 3) * s.maxTimeoutMs);
}
/** With more than f Byzantine validators nothing is owed; the run goes on this long after the heal. */
const UNBOUNDED_TAIL_MS = 10_000;

export interface RunOptions {
  /** Reducer steps (delivered events) before the run is cut short. */
  readonly maxSteps?: number;
  readonly trace?: (line: string) => void;
  /**
   * Keep checking liveness this long after the heal instead of stopping at the first commit of every
   * honest node (soak runs: a chain that stalls later is caught too).
   */
  readonly tailMs?: number;
  /**
   * Replaces the usual end of a run (every honest node committed after the heal, or the liveness
   * deadline passed): the run goes on until this holds, checked after each step.
   */
  readonly until?: (sim: Simulation) => boolean;
}

export interface RunResult {
  readonly seed: number;
  readonly steps: number;
  readonly virtualMs: number;
  /** Highest final height on any honest node, and the total of commit effects' blocks. */
  readonly height: number;
  readonly commits: number;
  readonly rounds: number;
  readonly truncated: boolean;
  readonly violation: Violation | undefined;
}

export class Simulation {
  readonly queue = new EventQueue();
  readonly hosts: Host[];
  readonly checker: Checker;
  private readonly rnd: SeededRandom;
  private readonly net: Network;
  private readonly store: BlockStore;
  private readonly labels: ReadonlyMap<string, string>;
  private readonly honestIds: ReadonlySet<string>;
  private steps = 0;

  constructor(
    readonly scenario: Scenario,
    private readonly options: RunOptions = {},
  ) {
    this.rnd = new SeededRandom(scenario.seed);
    this.net = new Network(scenario, this.rnd);
    ({
      hosts: this.hosts,
      store: this.store,
      checker: this.checker,
      labels: this.labels,
      honestIds: this.honestIds,
    } = buildWorld(scenario, this.rnd));
  }

  private trace(line: () => string): void {
    if (this.options.trace) this.options.trace(`${String(this.queue.now).padStart(7)}ms ${line()}`);
  }

  /** Queues an event for a node's current life; it is lost if the node crashes before it arrives. */
  private send(host: Host, delayMs: number, event: ConsensusEvent): void {
    const life = host.incarnation;
    this.queue.after(delayMs, undefined, () => {
      if (host.incarnation === life) this.deliver(host, event);
      else this.trace(() => `${host.label} <- ${describeEvent(event, this.labels)} (lost: restarted)`);
    });
  }

  /** One reducer step; `--trace` prints every event a node receives. */
  private deliver(host: Host, event: ConsensusEvent): void {
    const up = host.up;
    this.trace(
      () => `${host.label} <- ${describeEvent(event, this.labels)}${up ? '' : ' (lost: node down)'}`,
    );
    if (!up) return;
    this.steps++;
    this.carryOut(host, host.deliver(event));
  }

  /** The runtime: effects in order; `persist` is synchronous, so it lands before anything after it. */
  private carryOut(host: Host, all: readonly ConsensusEffect[]): void {
    const now = this.queue.now;
    // An armed crash waits for a step that persists: the one whose effect order matters.
    const cut =
      host.crashArmed && all.some((e) => e.type === 'persist') ? this.rnd.int(all.length) : undefined;
    const effects = cut === undefined ? all : all.slice(0, cut + 1);
    if (cut !== undefined)
      this.trace(() => `${host.label} crashes after ${cut + 1} of ${all.length} effects`);
    for (const e of effects) {
      switch (e.type) {
        case 'persist':
          host.persisted = e.record;
          break;
        case 'broadcast':
          this.checker.onBroadcast(host, e.message, host.persisted, now);
          for (const to of this.hosts) {
            if (to === host || !to.up) continue;
            const copies = host.mutator ? host.mutator.outgoing(e.message) : [e.message];
            for (const message of copies) {
              for (const d of this.net.deliveries(host.spec, to.spec, now)) {
                this.send(to, d, { type: 'message', from: host.validator, message });
              }
            }
          }
          break;
        case 'scheduleTimer':
          this.send(host, e.delayMs, { type: 'timer', round: e.round });
          break;
        case 'execute': {
          const b = e.block;
          const valid = equalBytes(summaryHash(CHANNEL, b), b.hash) && !this.store.isInvalid(b.hash);
          this.send(host, 1 + this.rnd.int(10), { type: 'executed', blockHash: b.hash, valid });
          break;
        }
        case 'buildProposal': {
          const block = host.buildBlock(e, Math.min(host.mempool, 50));
          this.store.add(block);
          this.send(host, 1 + this.rnd.int(3), { type: 'proposalBuilt', block });
          break;
        }
        case 'commit':
          this.trace(() => `${host.label} => commit ${e.blocks.map((b) => b.height).join(',')}`);
          this.checker.onCommit(host, e.blocks, e.qc, now);
          host.tip = e.blocks[e.blocks.length - 1] ?? host.tip;
          this.consumeMempool(host, e.blocks);
          break;
        case 'requestSync': {
          const life = host.incarnation;
          this.queue.after(this.net.serviceDelay(now), undefined, () => {
            if (host.incarnation !== life) return;
            const blocks = this.store.syncAnswer(host.tip.height, e.target);
            this.deliver(host, { type: 'synced', blocks });
          });
          break;
        }
        case 'halt':
          this.trace(() => `${host.label} => halt: ${e.reason}`);
          host.halted = true;
          this.checker.onHalt(host, e.reason, now);
          return;
        case 'evidence':
          this.checker.onEvidence(host, e.first, this.honestIds, now);
          break;
        case 'reject':
          break;
      }
    }
    if (cut !== undefined) host.crash();
  }

  /** Committed transactions leave every mempool (nodes gossip them). */
  private consumeMempool(host: Host, blocks: readonly BlockSummary[]): void {
    host.mempool = Math.max(0, host.mempool - blocks.reduce((n, b) => n + b.txCount, 0));
    // Told after the current effects are carried out; by then new transactions may have arrived.
    if (host.mempool === 0) this.queue.after(0, undefined, () => this.tellPending(host));
  }

  /** Tells the reducer whether transactions wait, whenever that changed since it was last told. */
  private tellPending(host: Host): void {
    const pending = host.mempool > 0;
    if (!host.up || pending === host.toldPending) return;
    host.toldPending = pending;
    this.deliver(host, { type: 'pendingTransactions', pending });
  }

  private trickle(host: Host): void {
    const gap = Math.round(this.scenario.txEveryMs * (0.5 + this.rnd.next()));
    this.queue.after(gap, undefined, () => {
      host.mempool += 1 + this.rnd.int(5);
      this.tellPending(host);
      this.trickle(host);
    });
  }

  private injections(host: Host, mutator: Mutator): void {
    const gap = Math.round(this.scenario.injectEveryMs * (0.5 + this.rnd.next()));
    this.queue.after(gap, undefined, () => {
      if (host.up) {
        const message = mutator.inject();
        for (const to of this.hosts) {
          if (to === host || !to.up || this.rnd.next() < 0.5) continue;
          for (const d of this.net.deliveries(host.spec, to.spec, this.queue.now)) {
            this.send(to, d, { type: 'message', from: host.validator, message });
          }
        }
      }
      this.injections(host, mutator);
    });
  }

  private boot(host: Host): void {
    host.boot();
    this.deliver(host, { type: 'start' });
    this.tellPending(host);
  }

  run(): RunResult {
    const s = this.scenario;
    const livenessOwed = s.k <= maxFaulty(s.n);
    for (const host of this.hosts) {
      this.queue.at(
        this.rnd.int(10),
        () => `${host.label} boots`,
        () => this.boot(host),
      );
      this.trickle(host);
      if (host.mutator) this.injections(host, host.mutator);
    }
    for (const c of s.crashes) {
      const host = this.hosts[c.instance]!;
      const how = c.midStep ? 'in the middle of its next step' : 'now';
      this.queue.at(
        c.at,
        () => `${host.label} crashes ${how}`,
        () => (c.midStep ? (host.crashArmed = true) : host.crash()),
      );
      this.queue.at(
        c.restartAt,
        () => `${host.label} restarts from height ${host.tip.height}`,
        () => {
          if (host.up) host.crash(); // a mid-step crash whose step never came
          this.boot(host);
        },
      );
    }
    for (const p of s.partitions) {
      this.queue.at(
        p.start,
        () => `partition [${p.group.join(',')}]`,
        () => undefined,
      );
      this.queue.at(
        p.end,
        () => `partition [${p.group.join(',')}] heals`,
        () => undefined,
      );
    }
    const until = this.options.until;
    const tail = this.options.tailMs ?? 0;
    const end = until
      ? Infinity
      : s.healAt + tail + (livenessOwed ? livenessBoundMs(s) + 1 : UNBOUNDED_TAIL_MS);
    this.queue.at(
      s.healAt,
      () => 'network healed',
      () => {
        if (livenessOwed) this.checker.healed(this.hosts, s.healAt, livenessBoundMs(s));
      },
    );
    const maxSteps = this.options.maxSteps ?? Infinity;
    let outcome: 'ran-out' | 'stopped' | 'truncated' = 'ran-out';
    while (outcome === 'ran-out') {
      const item = this.queue.pop();
      if (item === undefined || item.at > end) break;
      if (item.describe) this.trace(item.describe);
      item.run();
      this.checker.checkDeadline(this.queue.now);
      const done = until
        ? until(this)
        : livenessOwed && this.queue.now >= s.healAt + tail && this.checker.progressed();
      if (this.checker.violation !== undefined || done) outcome = 'stopped';
      else if (this.steps >= maxSteps) outcome = 'truncated';
    }
    // Out of events or past the end rather than stopped: whatever is still owed is overdue.
    if (outcome === 'ran-out') this.checker.checkDeadline(end);
    const honest = this.hosts.filter((h) => h.honest);
    return {
      seed: s.seed,
      steps: this.steps,
      virtualMs: this.queue.now,
      height: Math.max(0, ...honest.map((h) => h.tip.height)),
      commits: this.checker.commits,
      rounds: Math.max(0, ...this.hosts.map((h) => h.round)),
      truncated: outcome === 'truncated',
      violation: this.checker.violation,
    };
  }
}
