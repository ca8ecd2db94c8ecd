/**
 * `loopchain devnet` (`npm start`, DESIGN §7): makes the devnet's files on first start (src/node/devnet-setup),
 * starts the 4 validator nodes as child processes, waits until every node answers JSON-RPC on both channels,
 * then writes `.devnet/devnet.json` and prints the same. SIGINT/SIGTERM stop every child (SIGTERM, then
 * SIGKILL after a grace period) and remove devnet.json; a second start resumes from the data.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../score/bundle.js';
import { createDevnet, readDevnetLayout, type DevnetLayout } from '../node/devnet-setup.js';
import { spawnNode } from '../node/spawn.js';
import type { CliIo } from './genesis.js';

export const DEVNET_USAGE = `usage: loopchain devnet [--dir <dir>] [--jsonrpc-base <port>] [--grpc-base <port>]

Starts the local devnet: 4 validator nodes on 127.0.0.1 (JSON-RPC 9000-9003, gRPC 7100-7103) serving the
channels kofia (governance, certificate authority) and chat (chat), with firm keystores for firm-a and
firm-b. First start creates every key, certificate and genesis under <dir>; later starts resume.
Writes <dir>/devnet.json when ready. Ctrl-C stops everything.

options:
  --dir <dir>             where the devnet lives (default .devnet in the project root)
  --jsonrpc-base <port>   JSON-RPC port of node 0 when the devnet is created (default 9000)
  --grpc-base <port>      gRPC port of node 0 when the devnet is created (default 7100)
  -h, --help              this text
`;

const READY_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 10_000;

async function rpc(url: string, method: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
    signal: AbortSignal.timeout(2000),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (body.error !== undefined) throw new Error(JSON.stringify(body.error));
  return body.result;
}

async function waitReady(layout: DevnetLayout, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const node of layout.nodes) {
    for (const channel of layout.channels) {
      const url = `http://127.0.0.1:${node.jsonrpcPort}/api/v3/${channel.name}`;
      for (;;) {
        if (children.some((c) => c.exitCode !== null || c.signalCode !== null))
          throw new Error(`a node exited during start-up: see ${layout.dir}/node*/node.log`);
        try {
          await rpc(url, 'icx_getLastBlock');
          break;
        } catch {
          if (Date.now() > deadline) throw new Error(`${node.id} is not ready after ${READY_TIMEOUT_MS} ms`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  }
}

function describe(layout: DevnetLayout, children: ChildProcess[]): object {
  return {
    channels: layout.channels,
    nodes: layout.nodes.map((n, i) => ({
      id: n.id,
      address: n.address,
      pid: children[i]!.pid,
      jsonrpc: `http://127.0.0.1:${n.jsonrpcPort}/api/v3`,
      grpc: `127.0.0.1:${n.grpcPort}`,
    })),
    firms: layout.firms,
    rootCertPath: layout.rootCertPath,
  };
}

export async function runDevnet(argv: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        dir: { type: 'string' },
        'jsonrpc-base': { type: 'string' },
        'grpc-base': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`loopchain devnet: ${(e as Error).message}\n${DEVNET_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(DEVNET_USAGE);
    return 0;
  }
  const ports: { jsonrpcBase?: number; grpcBase?: number } = {};
  for (const [flag, key] of [
    ['jsonrpc-base', 'jsonrpcBase'],
    ['grpc-base', 'grpcBase'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^[0-9]{1,5}$/.test(v) || Number(v) < 1024 || Number(v) > 65_000) {
      io.err(`loopchain devnet: --${flag} must be a port between 1024 and 65000\n`);
      return 2;
    }
    ports[key] = Number(v);
  }
  const dir = resolve(values.dir ?? join(PROJECT_ROOT, '.devnet'));
  let layout = readDevnetLayout(dir);
  if (layout === undefined) {
    if (existsSync(dir)) {
      io.err(`loopchain devnet: ${dir} exists but holds no devnet (no layout.json); move it away\n`);
      return 1;
    }
    io.out(`creating the devnet in ${dir} …\n`);
    layout = await createDevnet(dir, PROJECT_ROOT, new Date(), ports);
  } else {
    io.out(`resuming the devnet in ${dir}\n`);
  }
  const manifest = join(dir, 'devnet.json');
  rmSync(manifest, { force: true });

  const children = layout.nodes.map((n) => {
    const child = spawnNode(join(PROJECT_ROOT, n.config), join(dir, n.id, 'node.log'));
    child.on('exit', (code, signal) => {
      if (!stopping) io.err(`devnet: ${n.id} exited (${signal ?? `code ${code}`}); see ${n.id}/node.log\n`);
    });
    return child;
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    rmSync(manifest, { force: true });
    const exits = children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null || c.signalCode !== null) return r();
          c.once('exit', () => r());
        }),
    );
    for (const c of children) c.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(timer);
  };
  const stopped = new Promise<void>((r) => {
    const onSignal = (): void => {
      io.out('\nstopping the devnet …\n');
      void stop().then(r);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });

  try {
    await Promise.race([waitReady(layout, children), stopped]);
  } catch (e) {
    io.err(`loopchain devnet: ${(e as Error).message}\n`);
    await stop();
    return 1;
  }
  if (stopping) {
    await stopped;
    return 0;
  }
  const description = describe(layout, children);
  writeFileSync(manifest, `${JSON.stringify(description, null, 2)}\n`);
  io.out(`devnet ready (${manifest}):\n${JSON.stringify(description, null, 2)}\n`);
  await stopped;
  io.out('devnet stopped\n');
  return 0;
}
