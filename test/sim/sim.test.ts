/**
 * The seeded simulator in CI (DESIGN §4): the real LFT reducer under delay, drop, duplication,
 * reordering, partitions, crashes with restart, Twins and message mutators. With at most f Byzantine
 * validators no invariant may break; with more than f the simulator must catch a safety violation,
 * which shows the checks can fail at all. `npm run sim` and scripts/sim-soak.sh run many more seeds.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { maxFaulty } from '../../src/consensus/validators.js';
import { SAFETY_KINDS } from './checker.js';
import { calmScenario } from './scenario.js';
import { describeSeed, replayCommand, runSeeds, simulateRounds } from './seeds.js';
import { LIVENESS_BOUND_MS, Simulation } from './simulation.js';

const SEEDS_PER_CONFIG = 200;
/** A guard against a run that never ends; no seed here comes near it. */
const MAX_STEPS = 200_000;

describe('LFT simulator, at most f Byzantine validators', () => {
  for (const n of [1, 4, 7]) {
    for (const k of [...new Set([0, maxFaulty(n)])]) {
      it(`n=${n} k=${k}: ${SEEDS_PER_CONFIG} seeds, no violation, commits resume after heal`, () => {
        const s = runSeeds(1, SEEDS_PER_CONFIG, n, k, { maxSteps: MAX_STEPS });
        const v = s.failure?.violation;
        assert.equal(
          v,
          undefined,
          v &&
            `seed ${s.failure!.seed}: ${v.kind} at ${v.time} ms on ${v.node}: ${v.detail}\n` +
              `scenario: ${describeSeed(s.failure!.seed, n, k)}\nreplay: ${replayCommand(s.failure!.seed, n, k, { maxSteps: MAX_STEPS })}`,
        );
        assert.equal(s.seeds, SEEDS_PER_CONFIG);
        assert.equal(s.truncated, 0, 'a run hit the step guard, so its liveness went unchecked');
        assert.ok(s.commits > SEEDS_PER_CONFIG, `only ${s.commits} blocks committed over all seeds`);
      });
    }
  }
});

describe('LFT simulator, more than f Byzantine validators', () => {
  it('n=4 k=2 (Twins and mutators): finds a safety violation within 50 seeds', () => {
    const s = runSeeds(1, 50, 4, 2, { maxSteps: MAX_STEPS });
    const v = s.failure?.violation;
    assert.ok(v !== undefined, `no violation in ${s.seeds} seeds: the checker cannot fail`);
    assert.ok(SAFETY_KINDS.includes(v.kind), `expected a safety violation, got ${v.kind}: ${v.detail}`);
  });
});

describe('LFT simulator, liveness check', () => {
  it('reports no progress when half the validators stay cut off after the heal', () => {
    const split = calmScenario(4, { partitions: [{ start: 0, end: Infinity, group: [0, 0, 1, 1] }] });
    const r = new Simulation(split, { maxSteps: MAX_STEPS }).run();
    assert.equal(r.violation?.kind, 'no-progress');
    assert.ok(r.violation.time > LIVENESS_BOUND_MS, `reported at ${r.violation.time} ms`);
  });
});

describe('simulateRounds', () => {
  it('runs the requested number of rounds among honest validators', () => {
    const r = simulateRounds(4, 50);
    assert.equal(r.rounds, 50);
    assert.ok(r.ms > 0);
  });
});
