/**
 * A fault-injecting TCP proxy for loopback tests. 'pass' forwards bytes both ways; 'drop' destroys every
 * connection and refuses new ones (a crashed or firewalled peer); 'blackhole' keeps sockets open but
 * discards what arrives (a silent partition: only timeouts and keepalives notice). Back to 'pass' heals.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'drop' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Connections currently open through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(o: {
  listenPort?: number;
  target: { host: string; port: number };
}): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const server: Server = createServer((client) => {
    if (mode === 'drop') {
      client.destroy();
      return;
    }
    const upstream = connect(o.target.port, o.target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Pipe by hand so 'blackhole' can discard without closing anything.
    client.on('data', (b: Buffer) => {
      if (mode === 'pass') upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (mode === 'pass') client.write(b);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    port: address.port,
    mode: () => mode,
    setMode(m) {
      mode = m;
      if (m === 'drop') {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        pairs.clear();
      }
    },
    connections: () => pairs.size,
    close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
