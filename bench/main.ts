/**
 * `npm run bench`: runs every benchmark, prints the results as JSON on stdout and rewrites
 * docs/benchmarks.md with a table and the machine they came from.
 * `npm run bench -- --no-write` prints only.
 */
import { writeFileSync } from 'node:fs';
import { machine, markdown, type Result } from './harness.js';
import { benchTransactions } from './transactions.js';
import { benchStorage } from './storage.js';
import { benchConsensus } from './consensus.js';
import { benchScore } from './score.js';
import { benchPki } from './pki.js';
import { benchCertificates } from './certificates.js';

const results: Result[] = [];
for (const suite of [
  benchTransactions,
  benchStorage,
  benchConsensus,
  benchScore,
  benchPki,
  benchCertificates,
]) {
  for (const r of await suite()) {
    results.push(r);
    process.stderr.write(`${r.name}: ${Math.round(r.median)} ${r.unit}\n`);
  }
}
const meta = machine();
const date = new Date().toISOString();
process.stdout.write(`${JSON.stringify({ date, machine: meta, results }, null, 2)}\n`);
if (!process.argv.includes('--no-write')) {
  writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), markdown(results, meta, date));
}
