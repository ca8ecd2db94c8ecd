/**
 * Running the simulator over many seeds (CLI, CI test, soak) and the rounds-per-second measure the bench
 * uses. Every result is a function of (seed, n, k, maxSteps), so any line printed can be replayed.
 */
import { performance } from 'node:perf_hooks';
import { calmScenario, describeScenario, scenarioFromSeed } from './scenario.js';
import { Simulation, type RunOptions, type RunResult } from './simulation.js';

export interface SeedsSummary {
  readonly seeds: number;
  readonly steps: number;
  readonly commits: number;
  readonly truncated: number;
  readonly ms: number;
  /** The first failing run, if any; the loop stops there. */
  readonly failure: RunResult | undefined;
}

export function runSeed(seed: number, n: number, k: number, options: RunOptions = {}): RunResult {
  return new Simulation(scenarioFromSeed(seed, n, k), options).run();
}

export function describeSeed(seed: number, n: number, k: number): string {
  return describeScenario(scenarioFromSeed(seed, n, k));
}

/** Runs seeds first..first+count-1 until one fails; `onResult` sees every run (for per-seed lines). */
export function runSeeds(
  first: number,
  count: number,
  n: number,
  k: number,
  options: RunOptions = {},
  onResult?: (r: RunResult) => void,
): SeedsSummary {
  const t0 = performance.now();
  let steps = 0;
  let commits = 0;
  let truncated = 0;
  let seeds = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = runSeed(seed, n, k, options);
    seeds++;
    steps += r.steps;
    commits += r.commits;
    if (r.truncated) truncated++;
    onResult?.(r);
    if (r.violation !== undefined) {
      return { seeds, steps, commits, truncated, ms: performance.now() - t0, failure: r };
    }
  }
  return { seeds, steps, commits, truncated, ms: performance.now() - t0, failure: undefined };
}

/** The command that replays one seed; step cap and tail change a run, so they are part of it. */
export function replayCommand(seed: number, n: number, k: number, options: RunOptions = {}): string {
  const steps = options.maxSteps !== undefined ? ` --steps ${options.maxSteps}` : '';
  const tail = options.tailMs !== undefined ? ` --tail ${options.tailMs}` : '';
  return `npm run sim -- --seed ${seed} --validators ${n} --byzantine ${k}${steps}${tail} --trace`;
}

/**
 * Wall-clock cost of `rounds` consensus rounds among n honest validators on a calm network (the bench's
 * rounds/s). Transactions always wait, so every round is a full propose-vote-commit round.
 */
export function simulateRounds(n: number, rounds: number): { rounds: number; ms: number } {
  const scenario = calmScenario(n);
  const sim = new Simulation(scenario, { until: (s) => s.hosts.every((h) => h.round > rounds) });
  const t0 = performance.now();
  const r = sim.run();
  const ms = performance.now() - t0;
  if (r.violation !== undefined)
    throw new Error(`simulateRounds: ${r.violation.kind}: ${r.violation.detail}`);
  return { rounds: Math.min(r.rounds - 1, rounds), ms };
}
