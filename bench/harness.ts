/**
 * A tiny benchmark harness. Machines here are shared and noisy, so every figure is the median of
 * several timed samples, and comparisons are measured side by side in one run.
 */
import { cpus, loadavg, totalmem } from 'node:os';

export interface Result {
  name: string;
  unit: string;
  /** Median operations per second over the samples. */
  median: number;
  min: number;
  max: number;
  samples: number;
  note?: string;
}

export interface Sample {
  ops: number;
  ms: number;
}

export async function measure(
  name: string,
  unit: string,
  samples: number,
  run: () => Promise<Sample> | Sample,
  note?: string,
): Promise<Result> {
  await run(); // warm-up: JIT, caches, lazy initialisation
  const rates: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { ops, ms } = await run();
    rates.push((ops * 1000) / ms);
  }
  rates.sort((a, b) => a - b);
  const mid = Math.floor(rates.length / 2);
  const median = rates.length % 2 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return {
    name,
    unit,
    median,
    min: rates[0]!,
    max: rates[rates.length - 1]!,
    samples,
    ...(note ? { note } : {}),
  };
}

export function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export function machine(): Record<string, string | number> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    // Other work on a shared machine skews absolute figures; compare rows of one run.
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  };
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

export function markdown(results: Result[], meta: Record<string, string | number>, date: string): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${fmt(r.median)} ${r.unit} | ${fmt(r.min)}–${fmt(r.max)} | ${r.samples} | ${r.note ?? ''} |`,
  );
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (do not edit by hand). Each figure is the median of the samples after a',
    'warm-up; the range shows the spread. Machines here are shared, so compare ratios measured in the same',
    'run rather than absolute figures across runs.',
    '',
    `Run: ${date}. Machine: ${Object.entries(meta)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '| benchmark | median | range | samples | note |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
