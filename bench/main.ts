/**
 * `npm run bench`: runs the in-process benchmark groups, prints the results as JSON on stdout and rewrites
 * docs/benchmarks.md with a table and the machine they came from, keeping its devnet section.
 * `npm run bench -- --no-write` prints only.
 * `npm run bench -- --only devnet` runs the devnet group alone (4 node processes, about 12 minutes; never in
 * the default run) and rewrites only the devnet section of docs/benchmarks.md.
 * `--only <group,group>` picks groups by name (transactions, storage, consensus, score, pki, certificates,
 * devnet); a pick of in-process groups only prints, as a partial table would drop the other rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine, markdown, type Result } from './harness.js';
import { benchTransactions } from './transactions.js';
import { benchStorage } from './storage.js';
import { benchConsensus } from './consensus.js';
import { benchScore } from './score.js';
import { benchPki } from './pki.js';
import { benchCertificates } from './certificates.js';
import { benchDevnet } from './devnet.js';
import { devnetSection, withDevnetSection } from './devnet-doc.js';

const GROUPS: Record<string, () => Promise<Result[]>> = {
  transactions: benchTransactions,
  storage: benchStorage,
  consensus: benchConsensus,
  score: benchScore,
  pki: benchPki,
  certificates: benchCertificates,
};
const DEVNET = 'devnet';

const { values } = parseArgs({
  options: { only: { type: 'string' }, 'no-write': { type: 'boolean' } },
  strict: true,
});
const picked = values.only?.split(',').map((s) => s.trim()) ?? Object.keys(GROUPS);
for (const p of picked) {
  if (p !== DEVNET && !(p in GROUPS)) {
    process.stderr.write(`bench: no group ${p}; groups: ${[...Object.keys(GROUPS), DEVNET].join(', ')}\n`);
    process.exit(2);
  }
}
const core = picked.filter((p) => p !== DEVNET);
const fullCore = core.length === Object.keys(GROUPS).length;

const report = (r: Result): void => {
  process.stderr.write(`${r.name}: ${Math.round(r.median)} ${r.unit}\n`);
};
const results: Result[] = [];
for (const name of core) {
  for (const r of await GROUPS[name]!()) {
    results.push(r);
    report(r);
  }
}
const devnet = picked.includes(DEVNET) ? await benchDevnet() : undefined;
const meta = machine();
const date = new Date().toISOString();
process.stdout.write(
  `${JSON.stringify({ date, machine: meta, results: [...results, ...(devnet?.results ?? [])], devnet: devnet?.facts }, null, 2)}\n`,
);
if (!values['no-write']) {
  const docs = new URL('../docs/benchmarks.md', import.meta.url);
  const old = readFileSync(docs, 'utf8');
  let text = fullCore ? withDevnetSection(markdown(results, meta, date), old) : old;
  if (devnet !== undefined) text = withDevnetSection(text, devnetSection(devnet, meta, date));
  if (text !== old) writeFileSync(docs, text);
}
