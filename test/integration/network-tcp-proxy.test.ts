/**
 * The fault-injecting TCP proxy (test/helpers/tcp-proxy.ts) on its own against an echo server, then between
 * two gRPC peer transports: 'drop' and 'blackhole' stop delivery, 'pass' restores it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ValidatorId, VoteMessage } from '../../src/consensus/types.js';
import { createRoot, issueNodeCertificate, plainKeyPem } from '../../src/pki/ceremony.js';
import { toPem } from '../../src/pki/tbs.js';
import { createPeerTransport, type GrpcPeerTransport } from '../../src/network/peer-transport.js';
import type { ChannelHandlers, PeerMessage } from '../../src/network/transport.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('tcp proxy against an echo server', () => {
  let echo: Server;
  let proxy: TcpProxy;
  const sockets: Socket[] = [];

  before(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as { port: number }).port;
    proxy = await startTcpProxy({ listenPort: 0, target: { host: '127.0.0.1', port } });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await new Promise((r) => echo.close(r));
  });

  /** A connection through the proxy, with what it received and whether it closed. */
  async function open(): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
    const socket = connect(proxy.port, '127.0.0.1');
    sockets.push(socket);
    let data = '';
    let closed = false;
    socket.on('data', (b) => (data += b.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    return { socket, data: () => data, closed: () => closed };
  }

  test('pass forwards both ways', async () => {
    const c = await open();
    c.socket.write('hello');
    await eventually(() => c.data() === 'hello', 2000, 'echo');
    assert.equal(proxy.mode(), 'pass');
  });

  test('blackhole keeps the connection open but discards bytes; pass heals it', async () => {
    const c = await open();
    proxy.setMode('blackhole');
    c.socket.write('lost');
    await sleep(200);
    assert.equal(c.data(), '');
    assert.equal(c.closed(), false);
    assert.ok(proxy.connections() >= 1);
    proxy.setMode('pass');
    c.socket.write('back');
    await eventually(() => c.data() === 'back', 2000, 'echo after heal');
  });

  test('drop closes existing connections and refuses new ones; pass accepts again', async () => {
    const c = await open();
    proxy.setMode('drop');
    await eventually(() => c.closed(), 2000, 'the existing connection to close');
    assert.equal(proxy.connections(), 0);
    const refused = await open();
    await eventually(() => refused.closed(), 2000, 'a new connection to be refused');
    proxy.setMode('pass');
    const again = await open();
    again.socket.write('again');
    await eventually(() => again.data() === 'again', 2000, 'echo after drop');
  });
});

describe('peer transports through the proxy', () => {
  const A = 'a1'.repeat(20);
  const B = 'b2'.repeat(20);
  const received: number[] = [];
  let a: GrpcPeerTransport;
  let b: GrpcPeerTransport;
  let proxy: TcpProxy;

  const vote = (round: number): VoteMessage => ({
    kind: 'vote',
    height: 1,
    round,
    blockHash: new Uint8Array(32),
    voter: A,
    signature: new Uint8Array(65),
  });
  const channel: ChannelHandlers = {
    onMessage: (_from: ValidatorId, m: PeerMessage) => {
      if (m.type === 'vote') received.push(m.vote.round);
    },
    isAllowed: () => true,
    blockSource: { height: async () => 0, blocks: async function* () {} },
  };

  before(async () => {
    const root = createRoot({
      consortium: 'Proxy Test',
      curve: 'P-256',
      notBefore: new Date(Date.now() - 86_400_000),
    });
    const tls = (id: string) => {
      const made = issueNodeCertificate({
        root,
        consortium: 'Proxy Test',
        address: `hx${id}`,
        notBefore: new Date(Date.now() - 60_000),
      });
      return {
        rootCertPem: toPem(root.certificate),
        certPem: toPem(made.certificate),
        keyPem: plainKeyPem(made.privateKey),
      };
    };
    // A short deliver deadline: what is sent while the link is down is given up soon after.
    const limits = {
      reconnectInitialMs: 50,
      reconnectMaxMs: 200,
      deliverDeadlineMs: 300,
      shutdownGraceMs: 500,
    };
    const listen = { host: '127.0.0.1', port: 0 };
    b = await createPeerTransport({ self: B, listen, tls: tls(B), peers: [], limits });
    b.attach('chat', channel);
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: b.port } });
    a = await createPeerTransport({
      self: A,
      listen,
      tls: tls(A),
      peers: [{ id: B, address: `127.0.0.1:${proxy.port}` }],
      limits,
    });
  });
  after(async () => {
    await a.close();
    await b.close();
    await proxy.close();
  });

  /** Sends a new vote every 100 ms until one arrives (a healed link may lose the first). */
  async function sendUntilDelivered(firstRound: number): Promise<void> {
    for (let round = firstRound; round < firstRound + 50; round++) {
      a.send('chat', B, { type: 'vote', vote: vote(round) });
      await sleep(100);
      if (received.some((r) => r >= firstRound)) return;
    }
    assert.fail('delivery did not resume');
  }

  test('pass delivers', async () => {
    // The first handshake may outlast the short deliver deadline on a loaded machine: resend until through.
    await sendUntilDelivered(1);
    await eventually(() => a.connectedPeers() === 1, 5000, 'the link to be up');
  });

  test("'drop' stops delivery and 'pass' restores it", async () => {
    proxy.setMode('drop');
    a.send('chat', B, { type: 'vote', vote: vote(100) });
    await sleep(600);
    assert.ok(!received.includes(100), 'nothing arrives while dropped');
    proxy.setMode('pass');
    await sendUntilDelivered(101);
  });

  test("'blackhole' stops delivery and 'pass' restores it", async () => {
    proxy.setMode('blackhole');
    a.send('chat', B, { type: 'vote', vote: vote(200) });
    await sleep(600);
    assert.ok(!received.includes(200), 'nothing arrives through a black hole');
    proxy.setMode('pass');
    await sendUntilDelivered(201);
  });
});
