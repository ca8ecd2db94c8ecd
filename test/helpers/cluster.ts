/**
 * A real multi-process cluster for integration tests and the devnet benchmarks: the devnet's files
 * (src/node/devnet-setup.ts) in a temporary directory, with ports picked for the run and, unless `proxies` is
 * false (benchmarks: they would be part of what is measured), a fault-injecting TCP proxy
 * (test/helpers/tcp-proxy.ts) between every pair of nodes, so a test can kill nodes with SIGKILL, restart them,
 * and cut one off from the others. Each node is a `loopchain node` child process logging to
 * <dir>/devnet/nodeN/node.log.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sdk from 'icon-sdk-js';
import { createDevnet, type DevnetLayout } from '../../src/node/devnet-setup.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';
import { spawnNode } from '../../src/node/spawn.js';
import { readKeystoreFile } from '../../src/crypto/keystore-file.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { IconWallet, type SdkWallet } from './icon-sdk.js';

const m = sdk as unknown as Record<
  string,
  new (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown>
>;

export const N = 4;

export interface RpcResponse {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port base in [from, to) whose ports base..base+span-1 are all free now (other clusters, benchmarks or a
 * devnet may run on this machine). Below the kernel's ephemeral range (32768+), where outgoing sockets and
 * port-0 listeners come from.
 */
export async function freePortBase(from: number, to: number, span: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = from + Math.floor((Math.random() * (to - from - span)) / 100) * 100;
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no free block of ${span} ports in ${from}..${to}`);
}

export class Cluster {
  readonly children: (ChildProcess | undefined)[] = Array.from({ length: N }, () => undefined);

  private constructor(
    readonly dir: string,
    readonly layout: DevnetLayout,
    readonly proxies: Map<string, TcpProxy>,
  ) {}

  /** Files for 4 nodes on fresh ports; proxies in front of every link unless `proxies` is false. */
  static async create(o: { baseTimeoutMs?: number; proxies?: boolean } = {}): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'loopchain-cluster-'));
    const base = await freePortBase(20_000, 32_000, 54);
    const proxies = new Map<string, TcpProxy>();
    for (let from = 0; from < (o.proxies === false ? 0 : N); from++) {
      for (let to = 0; to < N; to++) {
        if (from === to) continue;
        proxies.set(
          `${from}-${to}`,
          await startTcpProxy({ target: { host: '127.0.0.1', port: base + 50 + to } }),
        );
      }
    }
    const layout = await createDevnet(join(dir, 'devnet'), PROJECT_ROOT, new Date(), {
      jsonrpcBase: base,
      grpcBase: base + 50,
      ...(o.proxies === false
        ? {}
        : { peerGrpc: (from: number, to: number) => `127.0.0.1:${proxies.get(`${from}-${to}`)!.port}` }),
      baseTimeoutMs: o.baseTimeoutMs ?? 1000,
    });
    return new Cluster(dir, layout, proxies);
  }

  url(i: number, channel: string): string {
    return `http://127.0.0.1:${this.layout.nodes[i]!.jsonrpcPort}/api/v3/${channel}`;
  }

  start(i: number): void {
    const node = this.layout.nodes[i]!;
    const child = spawnNode(
      join(PROJECT_ROOT, node.config),
      join(PROJECT_ROOT, node.config, '..', 'node.log'),
    );
    this.children[i] = child;
  }

  nodeDir(i: number): string {
    return join(PROJECT_ROOT, this.layout.nodes[i]!.config, '..');
  }

  /** Stops node i with `signal` (SIGKILL after 10 s if it is still running) and waits for it to exit. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.children[i];
    this.children[i] = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Deletes node i's chain data (it must be stopped): on restart it syncs from genesis. */
  wipe(i: number): void {
    rmSync(join(this.nodeDir(i), 'data'), { recursive: true, force: true });
  }

  /** Cuts node i off from every other node (both directions), or heals it. */
  isolate(i: number, cut = true): void {
    for (const [key, proxy] of this.proxies) {
      const [from, to] = key.split('-').map(Number);
      if (from === i || to === i) proxy.setMode(cut ? 'drop' : 'pass');
    }
  }

  async rpc(
    i: number,
    channel: string,
    method: string,
    params?: object,
    timeoutMs = 10_000,
  ): Promise<RpcResponse> {
    const res = await fetch(this.url(i, channel), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return (await res.json()) as RpcResponse;
  }

  /** One JSON-RPC batch (at most 100 requests, the server's bound); answers in request order. */
  async batch(
    i: number,
    channel: string,
    calls: readonly { method: string; params?: object }[],
  ): Promise<RpcResponse[]> {
    const res = await fetch(this.url(i, channel), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        calls.map((c, id) => ({ jsonrpc: '2.0', id, method: c.method, params: c.params })),
      ),
      signal: AbortSignal.timeout(10_000),
    });
    const answers = (await res.json()) as (RpcResponse & { id: number })[];
    return [...answers].sort((a, b) => a.id - b.id);
  }

  async height(i: number, channel: string): Promise<number> {
    try {
      const r = await this.rpc(i, channel, 'icx_getLastBlock');
      return (r.result as { height: number } | undefined)?.height ?? -1;
    } catch {
      return -1;
    }
  }

  /** Polls until `pred` holds (every `everyMs`), failing after `timeoutMs` with `what`. */
  async until(what: string, pred: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs in ${this.dir}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Until node i answers on every channel. */
  async ready(i: number): Promise<void> {
    for (const c of this.layout.channels) {
      await this.until(
        `node${i} to answer on ${c.name}`,
        async () => (await this.height(i, c.name)) >= 0,
        180_000,
      );
    }
  }

  /** The account key of a devnet firm or the admin (for signing with src/ledger/transaction.ts). */
  async signer(
    who: 'firm-a' | 'firm-b' | 'kofia-admin',
  ): Promise<{ address: `hx${string}`; privateKey: Uint8Array }> {
    const a = who === 'kofia-admin' ? this.layout.admin : this.layout.firms.find((f) => f.id === who)!;
    const k = await readKeystoreFile(join(PROJECT_ROOT, a.keystorePath), a.keystorePassword);
    return { address: k.address, privateKey: k.privateKey };
  }

  wallet(firm: 'firm-a' | 'firm-b' | 'kofia-admin'): SdkWallet {
    const a = firm === 'kofia-admin' ? this.layout.admin : this.layout.firms.find((f) => f.id === firm)!;
    return IconWallet.loadKeystore(
      readFileSync(join(PROJECT_ROOT, a.keystorePath), 'utf8'),
      a.keystorePassword,
      true,
    );
  }

  /** An icon-sdk-js IconService for node i on `channel`. */
  service(i: number, channel: string): Record<string, (...a: unknown[]) => { execute(): Promise<unknown> }> {
    return new m.IconService!(new m.HttpProvider!(this.url(i, channel))) as never;
  }

  async stop(keepOnFailure = false): Promise<void> {
    await Promise.all(this.children.map((_, i) => this.kill(i, 'SIGKILL')));
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    if (!keepOnFailure) rmSync(this.dir, { recursive: true, force: true });
  }
}
