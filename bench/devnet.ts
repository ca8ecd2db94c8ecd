/**
 * The devnet on this machine (`npm run bench -- --only devnet`): 4 node processes on loopback in a fresh
 * temporary directory (test/helpers/cluster.ts, without proxies), stopped and deleted at the end. Measures committed chat
 * `post` calls per second, certificates per second issued through the certificate SCORE, the time from
 * icx_sendTransactionAndWait to its committed result at a fixed request rate, and how fast a node that is
 * `BENCH_CATCHUP_BLOCKS` (default 10,000) blocks behind syncs. Transactions are signed before any timing,
 * with the native secp256k1 signer, by firm-a, firm-b and kofia-admin, and spread over the 4 nodes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { signTransaction, type TxParams } from '../src/ledger/transaction.js';
import { SCORES } from '../src/node/devnet-setup.js';
import { makeCsr } from '../test/helpers/pki-fixture.js';
import { Cluster as DevnetCluster, N as NODES } from '../test/helpers/cluster.js';

type Signer = Awaited<ReturnType<DevnetCluster['signer']>>;
import { measure, type Result } from './harness.js';

const CHAT_NID = '0x4';
const KOFIA_NID = '0x3';
/** Requests in flight at once while a batch is sent. */
const IN_FLIGHT = 64;
const CHAT_TXS = Number(process.env.BENCH_DEVNET_CHAT_TXS ?? 1500);
const CERTS = Number(process.env.BENCH_DEVNET_CERTS ?? 400);
const SAMPLES = Number(process.env.BENCH_DEVNET_SAMPLES ?? 3);
const LATENCY_RATE = 20;
const LATENCY_SECONDS = Number(process.env.BENCH_DEVNET_LATENCY_S ?? 15);
const CATCHUP_BLOCKS = Number(process.env.BENCH_CATCHUP_BLOCKS ?? 10_000);
/** Longest the chain is driven to build the catch-up backlog; fewer blocks are used when it runs out. */
const CATCHUP_BUDGET_MS = Number(process.env.BENCH_CATCHUP_BUDGET_S ?? 480) * 1000;
/** Which measurements run (all by default): chat, certs, latency, catchup. */
const STEPS = new Set((process.env.BENCH_DEVNET_STEPS ?? 'chat,certs,latency,catchup').split(','));
/** Writers keeping the chain busy while the backlog is built. */
const PRODUCERS = 8;

/** What the devnet section of docs/benchmarks.md says besides the rows. */
export interface DevnetRun {
  results: Result[];
  facts: string[];
}

let seq = 0;
function tx(from: Signer, to: string, nid: string, method: string, params: object): TxParams {
  seq += 1;
  const now = BigInt(Date.now()) * 1000n + BigInt(seq % 1000);
  return signTransaction(
    {
      version: '0x3',
      from: from.address,
      to,
      stepLimit: '0x1000000',
      timestamp: `0x${now.toString(16)}`,
      nid,
      nonce: `0x${seq.toString(16)}`,
      dataType: 'call',
      data: { method, params: params as never },
    },
    from.privateKey,
  );
}

const chatPost = (from: Signer, text: string): TxParams =>
  tx(from, SCORES.chat, CHAT_NID, 'post', { message: text });

/** Runs `fn` over `items` with at most `limit` running at once. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function summary(name: string, unit: string, values: number[], note?: string): Result {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return {
    name,
    unit,
    median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
    min: s[0]!,
    max: s[s.length - 1]!,
    samples: s.length,
    ...(note ? { note } : {}),
  };
}

async function chatTotal(c: DevnetCluster, node: number): Promise<number> {
  const r = await c.rpc(node, 'chat', 'icx_call', {
    to: SCORES.chat,
    dataType: 'call',
    data: { method: 'getMessages', params: { offset: '0x0', limit: '0x1' } },
  });
  return r.result === undefined ? -1 : Number((r.result as { total: string }).total);
}

/** Sends every transaction with icx_sendTransaction, node i % 4 for the i-th; returns the hashes accepted. */
async function sendAll(c: DevnetCluster, channel: string, txs: readonly TxParams[]): Promise<string[]> {
  const hashes: string[] = [];
  const errors = new Map<string, number>();
  await pool(txs, IN_FLIGHT, async (t, i) => {
    const r = await c.rpc(i % NODES, channel, 'icx_sendTransaction', t, 30_000);
    if (typeof r.result === 'string') hashes.push(r.result);
    else errors.set(r.error?.message ?? 'no answer', (errors.get(r.error?.message ?? 'no answer') ?? 0) + 1);
  });
  for (const [m, n] of errors) process.stderr.write(`devnet: ${n} × icx_sendTransaction refused: ${m}\n`);
  return hashes;
}

async function chatThroughput(
  c: DevnetCluster,
  signers: readonly Signer[],
  facts: string[],
): Promise<Result> {
  const split: { send: number; all: number }[] = [];
  const r = await measure(
    `devnet: committed chat post calls, ${CHAT_TXS} sent at once over 4 nodes`,
    'tx/s',
    SAMPLES,
    async () => {
      const txs = Array.from({ length: CHAT_TXS }, (_, i) =>
        chatPost(signers[i % signers.length]!, `bench ${seq} ${i}`),
      );
      const before = await chatTotal(c, 0);
      const t0 = process.hrtime.bigint();
      const accepted = await sendAll(c, 'chat', txs);
      const send = ms(t0);
      await c.until(
        'the chat posts to commit',
        async () => (await chatTotal(c, 0)) >= before + accepted.length,
        300_000,
        50,
      );
      split.push({ send, all: ms(t0) });
      return { ops: accepted.length, ms: ms(t0) };
    },
    `${IN_FLIGHT} requests in flight; from the first send until node0's getMessages total counts them all`,
  );
  facts.push(sendShare('chat post', split));
  return r;
}

/** How much of each timed batch went into getting icx_sendTransaction answered. */
function sendShare(what: string, split: readonly { send: number; all: number }[]): string {
  const runs = split.slice(1).map((s) => `${(s.send / 1000).toFixed(1)} of ${(s.all / 1000).toFixed(1)} s`);
  return `Answering the icx_sendTransaction requests of a ${what} batch took ${runs.join(', ')} (timed batches).`;
}

/** Polls the results of `hashes` on node 0 in batches; returns how many succeeded and failed. */
async function results(
  c: DevnetCluster,
  channel: string,
  hashes: readonly string[],
): Promise<{ ok: number; failed: number }> {
  const open = new Set(hashes);
  let ok = 0;
  let failed = 0;
  await c.until(
    `${hashes.length} results on ${channel}`,
    async () => {
      const batch = [...open];
      for (let i = 0; i < batch.length; i += 100) {
        const part = batch.slice(i, i + 100);
        const answers = await c.batch(
          0,
          channel,
          part.map((txHash) => ({ method: 'icx_getTransactionResult', params: { txHash } })),
        );
        answers.forEach((a, j) => {
          if (a.result === undefined) return;
          open.delete(part[j]!);
          if (Number((a.result as { status: string | number }).status) === 1) ok++;
          else failed++;
        });
      }
      return open.size === 0;
    },
    300_000,
    100,
  );
  return { ok, failed };
}

async function certificateThroughput(
  c: DevnetCluster,
  ras: readonly Signer[],
  facts: string[],
): Promise<Result> {
  let failures = 0;
  const split: { send: number; all: number }[] = [];
  const r = await measure(
    `devnet: certificates issued through the certificate SCORE, ${CERTS} issue calls sent at once`,
    'certs/s',
    SAMPLES,
    async () => {
      const txs = Array.from({ length: CERTS }, (_, i) => {
        const csr = makeCsr(generateKeyPairSync('ec', { namedCurve: 'P-256' }), { subject: '' });
        const subjectId = `bench-${seq.toString(36)}-${i.toString(36).padStart(8, '0')}`;
        return tx(ras[i % ras.length]!, SCORES.certificateAuthority, KOFIA_NID, 'issue', {
          csr,
          subjectId,
          validityDays: '0x16d',
        });
      });
      const t0 = process.hrtime.bigint();
      const accepted = await sendAll(c, 'kofia', txs);
      const send = ms(t0);
      const { ok, failed } = await results(c, 'kofia', accepted);
      split.push({ send, all: ms(t0) });
      failures += failed;
      return { ops: ok, ms: ms(t0) };
    },
  );
  facts.push(sendShare('certificate issue', split));
  const base = 'firm-a and firm-b (RA), fresh P-256 key per anonymous CSR, 365 days; results polled on node0';
  return { ...r, note: failures > 0 ? `${base}; ${failures} issues FAILED` : base };
}

async function latency(c: DevnetCluster, signers: readonly Signer[]): Promise<Result[]> {
  const count = LATENCY_RATE * LATENCY_SECONDS;
  const txs = Array.from({ length: count }, (_, i) => chatPost(signers[i % signers.length]!, `latency ${i}`));
  const latencies: number[] = [];
  let errors = 0;
  const start = Date.now() + 100;
  await Promise.all(
    txs.map(async (t, i) => {
      await sleep(start + (i * 1000) / LATENCY_RATE - Date.now());
      const t0 = process.hrtime.bigint();
      try {
        const r = await c.rpc(i % NODES, 'chat', 'icx_sendTransactionAndWait', t, 60_000);
        if (r.result !== undefined) latencies.push(ms(t0));
        else errors++;
      } catch {
        errors++;
      }
    }),
  );
  const s = [...latencies].sort((a, b) => a - b);
  const note = `${LATENCY_RATE} tx/s for ${LATENCY_SECONDS} s over 4 nodes (${s.length} results${errors ? `, ${errors} errors` : ''})`;
  const row = (q: number): Result => ({
    name: `devnet: icx_sendTransactionAndWait → committed result, p${q * 100}`,
    unit: 'ms',
    median: quantile(s, q),
    min: s[0]!,
    max: s[s.length - 1]!,
    samples: s.length,
    note,
  });
  return [row(0.5), row(0.99)];
}

/**
 * Builds a backlog of blocks with all 4 nodes committing, then stops node 3, deletes its chain data and
 * starts it again: it syncs every block from genesis while the others stay idle.
 */
async function catchUp(c: DevnetCluster, signers: readonly Signer[], facts: string[]): Promise<Result> {
  const start = await c.height(0, 'chat');
  const target = start + CATCHUP_BLOCKS;
  const t0 = Date.now();
  let done = false;
  const producer = async (w: number): Promise<void> => {
    for (let n = 0; !done; n++) {
      const t = chatPost(signers[w % signers.length]!, `catch-up ${w} ${n}`);
      try {
        await c.rpc((w + n) % NODES, 'chat', 'icx_sendTransactionAndWait', t, 60_000);
      } catch {
        await sleep(100);
      }
    }
  };
  const producers = Array.from({ length: PRODUCERS }, (_, w) => producer(w));
  let lastLog = Date.now();
  for (;;) {
    await sleep(1000);
    const h = await c.height(0, 'chat');
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      process.stderr.write(
        `devnet: catch-up backlog at height ${h} (${Math.round((Date.now() - t0) / 1000)} s)\n`,
      );
    }
    if (h >= target || Date.now() - t0 > CATCHUP_BUDGET_MS) break;
  }
  done = true;
  await Promise.all(producers);
  const buildMs = Date.now() - t0;
  // Let the last commits reach every node.
  await sleep(2000);
  const height = await c.height(0, 'chat');
  const built = height - start;
  facts.push(
    `The backlog took ${Math.round(buildMs / 1000)} s to build: ${built} blocks from height ${start} ` +
      `(${((built * 1000) / buildMs).toFixed(1)} blocks/s with ${PRODUCERS} writers using icx_sendTransactionAndWait)` +
      (height < target
        ? `, short of the ${CATCHUP_BLOCKS} asked for within the ${CATCHUP_BUDGET_MS / 1000} s budget.`
        : '.'),
  );

  await c.kill(3, 'SIGTERM');
  c.wipe(3);
  const spawned = process.hrtime.bigint();
  c.start(3);
  const points: { t: number; h: number }[] = [];
  await c.until(
    `node3 to reach height ${height}`,
    async () => {
      const h = await c.height(3, 'chat');
      if (h >= 0) points.push({ t: ms(spawned), h });
      return h >= height;
    },
    Math.max(300_000, height * 200),
    250,
  );
  if (process.env.BENCH_DEVNET_TRACE) process.stderr.write(`${JSON.stringify(points)}\n`);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  // Rates over windows of about 10 s once the node answers, so start-up is not counted in them; a window
  // spans a few sync batches (fetch and execute 256 blocks, then commit them).
  const windows: number[] = [];
  let from = first;
  for (const p of points) {
    if (p.t - from.t >= 10_000) {
      windows.push(((p.h - from.h) * 1000) / (p.t - from.t));
      from = p;
    }
  }
  if (windows.length === 0) windows.push(((last.h - first.h) * 1000) / Math.max(1, last.t - first.t));
  const overall = (height * 1000) / last.t;
  facts.push(
    `node3 answered JSON-RPC ${(first.t / 1000).toFixed(1)} s after it was started, at height ${first.h}, and ` +
      `reached height ${height} ${(last.t / 1000).toFixed(1)} s after the start (${overall.toFixed(1)} blocks/s ` +
      `including process start-up).`,
  );
  return summary(
    `devnet: catch-up of a node ${height} blocks behind (chat channel, data wiped, synced from peers)`,
    'blocks/s',
    windows,
    `median of ~10 s windows while syncing; ${overall.toFixed(0)} blocks/s overall including start-up`,
  );
}

export async function benchDevnet(): Promise<DevnetRun> {
  const facts: string[] = [];
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const c = await DevnetCluster.create({ baseTimeoutMs: 1000, proxies: false });
  let ok = false;
  try {
    for (let i = 0; i < NODES; i++) c.start(i);
    for (let i = 0; i < NODES; i++) await c.ready(i);
    const signers = [await c.signer('firm-a'), await c.signer('firm-b'), await c.signer('kofia-admin')];
    const ras = signers.slice(0, 2);
    const results: Result[] = [];
    const step = async (r: Result | Result[]): Promise<void> => {
      for (const x of Array.isArray(r) ? r : [r]) {
        results.push(x);
        process.stderr.write(
          `${x.name}: ${x.median.toFixed(1)} ${x.unit} (load ${loadavg()[0]!.toFixed(2)})\n`,
        );
      }
    };
    if (STEPS.has('chat')) await step(await chatThroughput(c, signers, facts));
    if (STEPS.has('certs')) await step(await certificateThroughput(c, ras, facts));
    if (STEPS.has('latency')) await step(await latency(c, signers));
    if (STEPS.has('catchup')) await step(await catchUp(c, signers, facts));
    facts.unshift(
      `The whole group took ${Math.round((Date.now() - t0) / 1000)} s; the 1-minute load average was ` +
        `${load0.toFixed(2)} when it started and ${loadavg()[0]!.toFixed(2)} when it ended.`,
    );
    ok = true;
    return { results, facts };
  } finally {
    const keep = !ok || process.env.BENCH_DEVNET_KEEP === '1';
    if (keep) process.stderr.write(`devnet: node logs kept in ${c.dir}\n`);
    await c.stop(keep);
  }
}
