/**
 * `loopchain devnet` as a user runs it (`npm start`): it creates the devnet, starts 4 node processes, writes
 * devnet.json in DESIGN §7's shape once every node answers, and SIGINT to the process group stops every
 * child and removes devnet.json; a second start resumes from the data (same genesis, same chain).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/score/bundle.js';
import { freePortBase } from '../helpers/cluster.js';

const dir = join(mkdtempSync(join(tmpdir(), 'loopchain-devnet-')), 'devnet');
let base = 0;
let child: ChildProcess | undefined;

interface Manifest {
  channels: { name: string; nid: string; scores: Record<string, string> }[];
  nodes: { id: string; address: string; pid: number; jsonrpc: string; grpc: string }[];
  firms: { id: string; address: string; keystorePath: string; keystorePassword: string }[];
  rootCertPath: string;
}

function start(): ChildProcess {
  const c = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(PROJECT_ROOT, 'src/cli/main.ts'),
      'devnet',
      '--dir',
      dir,
      '--jsonrpc-base',
      String(base),
      '--grpc-base',
      String(base + 50),
    ],
    { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  c.stdout!.resume();
  c.stderr!.resume();
  return c;
}

async function manifest(timeoutMs = 180_000): Promise<Manifest> {
  const path = join(dir, 'devnet.json');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error('devnet.json did not appear');
    if (child?.exitCode !== null) throw new Error(`devnet exited with ${child?.exitCode}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
async function interrupt(c: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  process.kill(-c.pid!, 'SIGINT');
  return exited;
}

async function lastBlock(url: string): Promise<{ height: number; block_hash: string }> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'icx_getBlockByHeight',
      params: { height: '0x0' },
    }),
  });
  return ((await res.json()) as { result: { height: number; block_hash: string } }).result;
}

after(() => {
  if (child?.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

test('the devnet starts, describes itself, stops on Ctrl-C and resumes', { timeout: 400_000 }, async () => {
  base = await freePortBase(20_000, 32_000, 54);
  child = start();
  const first = await manifest();
  assert.deepEqual(
    first.channels.map((c) => [c.name, Object.keys(c.scores).sort()]),
    [
      ['kofia', ['certificateAuthority', 'governance']],
      ['chat', ['chat', 'governance']],
    ],
  );
  assert.equal(first.nodes.length, 4);
  first.nodes.forEach((n, i) => {
    assert.equal(n.jsonrpc, `http://127.0.0.1:${base + i}/api/v3`);
    assert.equal(n.grpc, `127.0.0.1:${base + 50 + i}`);
    assert.match(n.address, /^hx[0-9a-f]{40}$/);
    assert.ok(alive(n.pid), `${n.id} runs`);
  });
  assert.deepEqual(
    first.firms.map((f) => f.id),
    ['firm-a', 'firm-b'],
  );
  for (const f of first.firms) assert.ok(existsSync(join(PROJECT_ROOT, f.keystorePath)), f.keystorePath);
  assert.match(readFileSync(join(PROJECT_ROOT, first.rootCertPath), 'utf8'), /BEGIN CERTIFICATE/);
  const genesis = await lastBlock(`${first.nodes[0]!.jsonrpc}/kofia`);

  assert.equal(await interrupt(child), 0);
  for (const n of first.nodes) assert.ok(!alive(n.pid), `${n.id} stopped`);
  assert.ok(!existsSync(join(dir, 'devnet.json')), 'devnet.json is removed on stop');

  child = start();
  const second = await manifest();
  assert.notDeepEqual(
    second.nodes.map((n) => n.pid),
    first.nodes.map((n) => n.pid),
  );
  for (const n of second.nodes) {
    assert.equal((await lastBlock(`${n.jsonrpc}/kofia`)).block_hash, genesis.block_hash, 'same chain');
  }
  assert.equal(await interrupt(child), 0);
  for (const n of second.nodes) assert.ok(!alive(n.pid), `${n.id} stopped`);
});
