/**
 * The devnet section of docs/benchmarks.md, between two HTML comments, so the default run (which rewrites
 * the file) keeps the last devnet figures and `--only devnet` replaces only them.
 */
import { markdown, type Result } from './harness.js';

const BEGIN = '<!-- devnet:begin -->';
const END = '<!-- devnet:end -->';

export function devnetSection(
  run: { results: Result[]; facts: string[] },
  meta: Record<string, string | number>,
  date: string,
): string {
  const table = markdown(run.results, meta, date).split('\n');
  const from = table.findIndex((l) => l.startsWith('Run: '));
  return [
    BEGIN,
    '## Devnet',
    '',
    'Opt-in, not part of the default run: `npm run bench -- --only devnet` (about 12 minutes here). It makes a',
    'fresh devnet in a temporary directory (4 `loopchain node` processes on loopback, dialing each other',
    'directly, consensus base timeout 1 s), measures, then stops the nodes and deletes the directory (kept, with',
    'the node logs, when a step fails). Transactions are signed before timing, by firm-a, firm-b and',
    'kofia-admin, and sent with plain `fetch` to the 4 nodes in turn, at most 64 requests in flight.',
    'Throughput: a batch of chat `post` calls (or of certificate `issue` calls with fresh anonymous P-256 CSRs,',
    'by the two RA firms) is sent at once; the clock stops when node0 has committed all of them (the chat',
    "SCORE's message count; for certificates the transaction results, each checked for success). Median of 3",
    'batches after a warm-up batch. Latency: chat posts sent at a fixed rate with `icx_sendTransactionAndWait`,',
    'timed from the request to the committed result; p50 and p99 of one run. Catch-up: the chain is driven by 8',
    'writers until it is `BENCH_CATCHUP_BLOCKS` (10,000) blocks ahead or `BENCH_CATCHUP_BUDGET_S` (480 s) have',
    'passed, then node3 is stopped, its chain data deleted and it is started again, so it syncs every block from',
    'its peers while they stay idle. (A stopped validator is not used to build the backlog: with 4 validators',
    'and rotating leaders every fourth round would wait out its timeout.) The machine is a shared 2-core VM: the',
    'node processes, the load generator and other work compete for the same cores, so read the figures as what',
    'this machine gives, not as what the node can do.',
    '',
    ...run.facts,
    '',
    ...table.slice(from),
    END,
    '',
  ].join('\n');
}

/** `doc` with its devnet section replaced by the one in `from` (a section or a whole file), or appended. */
export function withDevnetSection(doc: string, from: string): string {
  const pick = (s: string): string | undefined => {
    const a = s.indexOf(BEGIN);
    const b = s.indexOf(END);
    return a >= 0 && b > a ? s.slice(a, b + END.length) : undefined;
  };
  const section = pick(from);
  if (section === undefined) return doc;
  const own = pick(doc);
  if (own !== undefined) return doc.replace(own, section);
  return `${doc.trimEnd()}\n\n${section}\n`;
}
