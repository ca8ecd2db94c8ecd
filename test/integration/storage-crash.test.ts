/**
 * Crash safety of commitBlock against a real LevelDB: a child process commits generated blocks to two
 * channels, the test SIGKILLs it at a seeded random moment, reopens the database and checks that it holds
 * exactly the blocks 0..last of each channel, completely, and nothing of the block that was in flight.
 * The child resumes the same database on the next run, so recovery after a crash is exercised too.
 * Replay the kill schedule with STORAGE_CRASH_SEED=<seed> (the moments land differently, the choices not).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { Level } from 'level';
import { bytesToHex, equalBytes } from '../../src/codec/hex.js';
import { ChannelStorage } from '../../src/storage/channel-storage.js';
import { isStorageError } from '../../src/storage/errors.js';
import { LevelStore } from '../../src/storage/level-store.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { CHANNELS, generateCommit, roundOfSafetyRecord, stateKeyOf } from './fixtures/chain-generator.js';
import { ExpectedDatabase, rawSafetyKey } from './fixtures/expected-database.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/commit-loop.ts', import.meta.url));
const RUNS = Number(process.env.STORAGE_CRASH_RUNS ?? 24);
const SEED = Number(process.env.STORAGE_CRASH_SEED ?? Date.now() % 2 ** 31);
const READY_TIMEOUT_MS = 20_000;

const workDir = mkdtempSync(join(tmpdir(), 'lc-storage-crash-'));
const dbDir = join(workDir, 'db');
const children = new Set<ReturnType<typeof spawn>>();
const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
process.once('exit', killAll);
after(() => {
  killAll();
  rmSync(workDir, { recursive: true, force: true });
});

interface RunOutcome {
  /** Highest height per channel the child reported as committed (acknowledged) in this run. */
  readonly acked: Map<string, number>;
}

/** Starts the commit loop, kills it with SIGKILL at a random moment, and waits until it is gone. */
async function runAndKill(rng: SeededRandom): Promise<RunOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output.stderr += d));
  const closed = new Promise<NodeJS.Signals | null>((resolve) => {
    child.once('close', (_code, signal) => resolve(signal));
    child.once('error', () => resolve(null)); // failed to spawn: reported below as "ended on its own"
  });
  // One run in five is killed blind, often during start-up, open or LevelDB's log recovery.
  const blind = rng.next() < 0.2;
  const killDelay = blind ? rng.int(900) : rng.int(350);
  try {
    if (!blind) {
      await waitForReady(output, closed);
      // While the child holds the database, a second opener gets the precise error.
      await assert.rejects(LevelStore.open(dbDir), (e: unknown) => isStorageError(e, 'STORAGE_LOCKED'));
    }
    await delay(killDelay);
    child.kill('SIGKILL');
    const signal = await closed;
    assert.equal(signal, 'SIGKILL', `the child ended on its own instead of being killed:\n${output.stderr}`);
  } finally {
    child.kill('SIGKILL');
    await closed;
    children.delete(child);
  }
  const acked = new Map<string, number>();
  for (const m of output.stdout.matchAll(/^committed (\w+) (\d+)$/gm)) {
    acked.set(m[1]!, Math.max(acked.get(m[1]!) ?? -1, Number(m[2])));
  }
  return { acked };
}

async function waitForReady(
  output: { stdout: string; stderr: string },
  closed: Promise<unknown>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void closed.then(() => (exited = true));
  while (!output.stdout.startsWith('ready\n')) {
    if (exited) throw new Error(`the child exited before it was ready:\n${output.stderr}`);
    if (Date.now() > deadline) throw new Error(`the child was not ready within ${READY_TIMEOUT_MS} ms`);
    await delay(10);
  }
}

/** Checks one channel through the repositories; returns its last committed height (-1 if none). */
async function checkChannel(
  storage: ChannelStorage,
  model: ExpectedDatabase,
  acked: number | undefined,
): Promise<number> {
  const channel = storage.channel;
  const before = model.heightOf(channel);
  const tip = await storage.blocks.lastCommitted();
  const last = tip?.height ?? -1;
  // Nothing acknowledged is lost, and at most one unacknowledged block became durable.
  const floor = Math.max(before, acked ?? -1);
  assert.ok(last >= floor, `${channel}: last committed ${last} is below acknowledged ${floor}`);
  assert.ok(last <= floor + 1, `${channel}: last committed ${last} is beyond ${floor} + 1`);
  model.advance(channel, last);

  if (last >= 0) {
    const block = generateCommit(channel, last);
    assert.deepEqual(tip?.hash, block.hash, `${channel}: tip hash`);
    assert.deepEqual(await storage.blocks.getHashByHeight(last), block.hash);
    assert.deepEqual(await storage.blocks.getBlockBytes(block.hash), block.blockBytes);
    assert.deepEqual(await storage.blocks.getCommitProof(last), block.commitProof);
    for (const [index, tx] of block.transactions.entries()) {
      const record = await storage.transactions.get(tx.hash);
      assert.deepEqual(record, { height: last, index, txBytes: tx.bytes, receiptBytes: tx.receiptBytes });
    }
    for (const n of block.logNodes)
      assert.deepEqual(await storage.logNodes.getNode(n.level, n.index), n.hash);
  }
  // The next block was possibly being written at the kill: none of it may be visible.
  const next = generateCommit(channel, last + 1);
  assert.equal(await storage.blocks.getHashByHeight(last + 1), undefined, `${channel}: height ${last + 1}`);
  assert.equal(await storage.blocks.getBlockBytes(next.hash), undefined);
  assert.equal(await storage.blocks.getCommitProof(last + 1), undefined);
  for (const tx of next.transactions) assert.equal(await storage.transactions.get(tx.hash), undefined);
  for (const n of next.logNodes) assert.equal(await storage.logNodes.getNode(n.level, n.index), undefined);
  for (const w of next.stateWrites)
    assert.deepEqual(await storage.state.get(w.key), model.state(channel, w.key));
  return last;
}

/** The safety record is persisted before each kofia block, so it is at the tip or one above it. */
async function checkSafetyRecord(storage: ChannelStorage, last: number): Promise<void> {
  const record = await storage.safety.get();
  if (record === undefined) {
    assert.equal(last, -1, 'a block was committed without the safety record that precedes it');
    return;
  }
  const round = roundOfSafetyRecord(record);
  assert.ok(round === last || round === last + 1, `safety round ${round} vs last committed ${last}`);
}

/** Every entry of the database, compared with the model: nothing missing, nothing different, nothing extra. */
async function compareRaw(model: ExpectedDatabase): Promise<void> {
  const safetyKeys = new Set(CHANNELS.map(rawSafetyKey));
  const db = new Level<Uint8Array, Uint8Array>(dbDir, { keyEncoding: 'view', valueEncoding: 'view' });
  const problems: string[] = [];
  let matched = 0;
  const iterator = db.iterator();
  try {
    // nextv: entries in batches, since per-entry async iteration dominates the test's run time.
    for (let entries = await iterator.nextv(4096); entries.length > 0; entries = await iterator.nextv(4096)) {
      for (const [key, value] of entries) {
        const k = Buffer.from(key).toString('latin1');
        if (safetyKeys.has(k)) continue;
        const expected = model.entries.get(k);
        if (expected === undefined) problems.push(`unexpected key ${bytesToHex(key)}`);
        else if (!Buffer.from(value).equals(expected)) problems.push(`wrong value at ${bytesToHex(key)}`);
        else matched++;
      }
    }
  } finally {
    await iterator.close();
    await db.close();
  }
  if (matched + problems.length < model.entries.size)
    problems.push(`${model.entries.size - matched} keys missing`);
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} differences`);
}

/** After the last run: every height, transaction and state key, read back through the repositories. */
async function checkEverything(store: LevelStore, model: ExpectedDatabase): Promise<number> {
  let txs = 0;
  for (const channel of CHANNELS) {
    const storage = new ChannelStorage(store, channel);
    for (let h = 0; h <= model.heightOf(channel); h++) {
      const block = generateCommit(channel, h);
      assert.deepEqual(await storage.blocks.getHashByHeight(h), block.hash, `${channel} height ${h}`);
      assert.deepEqual(await storage.blocks.getBlockBytes(block.hash), block.blockBytes);
      // Reads of one block in parallel: LevelDB serves them from its thread pool.
      const records = await Promise.all(block.transactions.map((tx) => storage.transactions.get(tx.hash)));
      block.transactions.forEach((tx, index) => {
        const r = records[index];
        const same = r?.height === h && r.index === index && equalBytes(r.txBytes, tx.bytes);
        assert.ok(
          same && equalBytes(r.receiptBytes, tx.receiptBytes),
          `${channel} tx ${index} of height ${h}`,
        );
      });
      txs += records.length;
    }
    const keys = Array.from({ length: 3000 }, (_, k) => stateKeyOf(k));
    const values = await Promise.all(keys.map((key) => storage.state.get(key)));
    keys.forEach((key, k) => assert.deepEqual(values[k], model.state(channel, key), `${channel} state ${k}`));
  }
  return txs;
}

test(`commitBlock survives SIGKILL at random moments (${RUNS} runs)`, { timeout: 180_000 }, async (t) => {
  t.diagnostic(`seed ${SEED}; replay with STORAGE_CRASH_SEED=${SEED}`);
  const rng = new SeededRandom(SEED);
  const model = new ExpectedDatabase();
  let killedMidRun = 0;
  for (let run = 0; run < RUNS; run++) {
    try {
      const outcome = await runAndKill(rng);
      const store = await LevelStore.open(dbDir);
      try {
        for (const channel of CHANNELS) {
          const storage = new ChannelStorage(store, channel);
          const last = await checkChannel(storage, model, outcome.acked.get(channel));
          if (channel === 'kofia') await checkSafetyRecord(storage, last);
        }
      } finally {
        await store.close();
      }
      await compareRaw(model);
      if (outcome.acked.size > 0) killedMidRun++;
    } catch (e) {
      throw new Error(`seed ${SEED}, run ${run}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  }
  const store = await LevelStore.open(dbDir);
  try {
    const txs = await checkEverything(store, model);
    const heights = CHANNELS.map((c) => `${c} ${model.heightOf(c)}`).join(', ');
    t.diagnostic(
      `last heights: ${heights}; ${txs} transactions verified; ${killedMidRun} runs killed mid-commit-loop`,
    );
    // The test only proves something if the kills actually interrupted committing.
    assert.ok(
      killedMidRun >= RUNS / 2,
      `only ${killedMidRun} of ${RUNS} runs committed anything before the kill`,
    );
  } finally {
    await store.close();
  }
});
