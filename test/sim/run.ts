/**
 * `npm run sim -- --seeds N --validators n --byzantine k [--first S0] [--seed S] [--trace] [--steps M]
 *                 [--tail MS] [--verbose]`
 *
 * Runs seeds S0..S0+N-1 (or the one seed S) of the deterministic simulator and prints a summary and
 * `violations: 0`, exit 0. On the first violation it prints it with its seed and the command that
 * replays it, exit 1. `--byzantine` defaults to f. `--trace` prints every delivered event; `--steps`
 * caps reducer steps per seed; `--tail` keeps checking liveness that long after the heal;
 * `--verbose` prints one line per seed.
 */
import { parseArgs } from 'node:util';
import { maxFaulty } from '../../src/consensus/validators.js';
import { describeSeed, replayCommand, runSeeds } from './seeds.js';
import type { RunResult } from './simulation.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    first: { type: 'string', default: '1' },
    seed: { type: 'string' },
    validators: { type: 'string', default: '4' },
    byzantine: { type: 'string' },
    steps: { type: 'string' },
    tail: { type: 'string' },
    trace: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

function int(name: string, text: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got ${text}\n`);
    process.exit(2);
  }
  return v;
}

const n = int('validators', values.validators, 1);
const k = values.byzantine === undefined ? maxFaulty(n) : int('byzantine', values.byzantine, 0);
if (k > n) {
  process.stderr.write(`--byzantine ${k} exceeds --validators ${n}\n`);
  process.exit(2);
}
const first = values.seed !== undefined ? int('seed', values.seed, 0) : int('first', values.first, 0);
const count = values.seed !== undefined ? 1 : int('seeds', values.seeds, 1);
const maxSteps = values.steps === undefined ? undefined : int('steps', values.steps, 1);
const tailMs = values.tail === undefined ? undefined : int('tail', values.tail, 0);
const perSeed = values.verbose || values.trace || count === 1;

const out = (line: string) => process.stdout.write(`${line}\n`);
const line = (r: RunResult) =>
  `seed ${r.seed}: ${r.violation ? 'VIOLATION' : r.truncated ? 'cut short' : 'ok'} steps=${r.steps} ` +
  `height=${r.height} rounds=${r.rounds} virtual=${r.virtualMs}ms`;

out(`sim: n=${n} k=${k} (f=${maxFaulty(n)}) seeds ${first}..${first + count - 1}`);
const shape = {
  ...(maxSteps !== undefined ? { maxSteps } : {}),
  ...(tailMs !== undefined ? { tailMs } : {}),
};
const summary = runSeeds(first, count, n, k, { ...shape, ...(values.trace ? { trace: out } : {}) }, (r) => {
  if (perSeed) out(`${line(r)}  ${describeSeed(r.seed, n, k)}`);
});
const secs = summary.ms / 1000;
out(
  `seeds: ${summary.seeds}  steps: ${summary.steps}  commits: ${summary.commits}  cut short: ${summary.truncated}  ` +
    `time: ${secs.toFixed(1)} s (${(summary.seeds / secs).toFixed(1)} seeds/s)`,
);
const failure = summary.failure;
if (failure?.violation === undefined) {
  out('violations: 0');
  process.exit(0);
}
const v = failure.violation;
out(`VIOLATION seed ${failure.seed}: ${v.kind} at ${v.time} ms on ${v.node}: ${v.detail}`);
out(`scenario: ${describeSeed(failure.seed, n, k)}`);
out(`replay: ${replayCommand(failure.seed, n, k, shape)}`);
out('violations: 1');
process.exit(1);
