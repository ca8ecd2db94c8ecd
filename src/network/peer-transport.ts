/**
 * PeerTransport over gRPC with mutual TLS (src/network/transport.ts). One server for all channels, one
 * client per peer. Every certificate is issued by the consortium root (src/pki/ceremony.ts
 * issueNodeCertificate) and names its node by a SAN URI: the server knows who calls, the client knows whom
 * it reached. What a message says is the channel's business; who sent it is settled here.
 */
import * as grpc from '@grpc/grpc-js';
import type { ValidatorId } from '../consensus/types.js';
import {
  encodeDeliver,
  checkChannelName,
  DEFAULT_ENVELOPE_LIMITS,
  type EnvelopeLimits,
} from './envelope-codec.js';
import { PeerTransportError } from './errors.js';
import { PeerIdentity } from './identity.js';
import { SILENT_LOGGER, type PeerLogger } from './logger.js';
import { PeerClient, type MessageLane, type PeerClientLimits } from './peer-client.js';
import { peerServiceHandlers } from './peer-server.js';
import { PEER_SERVICE } from './peer-service.js';
import { DEFAULT_THROTTLE_LIMITS, PeerThrottle, type ThrottleLimits } from './throttle.js';
import type { ChannelHandlers, PeerMessage, PeerTransport, SyncBlock } from './transport.js';

export interface PeerAddress {
  readonly id: ValidatorId;
  /** host:port ([v6]:port for IPv6). */
  readonly address: string;
}

export interface PeerTransportLimits extends PeerClientLimits, EnvelopeLimits, ThrottleLimits {
  /** Most blocks served or fetched per GetBlocks call. */
  readonly maxSyncBlocks: number;
  /** How long close() waits for calls in flight before it cuts them. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_PEER_TRANSPORT_LIMITS: PeerTransportLimits = {
  ...DEFAULT_ENVELOPE_LIMITS,
  ...DEFAULT_THROTTLE_LIMITS,
  maxBlockBytes: 16 * 1024 * 1024,
  maxMessageBytes: 17 * 1024 * 1024,
  deliverDeadlineMs: 5_000,
  statusDeadlineMs: 5_000,
  syncDeadlineMs: 60_000,
  maxQueuedMessages: 1024,
  reconnectInitialMs: 250,
  reconnectMaxMs: 5_000,
  keepaliveMs: 30_000,
  maxSyncBlocks: 512,
  shutdownGraceMs: 2_000,
};

export interface PeerTransportOptions {
  /** This node's validator id (the SAN URI of `tls.certPem` must name it). */
  readonly self: ValidatorId;
  /** Where the server listens; port 0 picks a free port (see `port`). */
  readonly listen: { readonly host: string; readonly port: number };
  readonly tls: { readonly rootCertPem: string; readonly certPem: string; readonly keyPem: string };
  readonly peers: readonly PeerAddress[];
  readonly logger?: PeerLogger;
  readonly limits?: Partial<PeerTransportLimits>;
  /** Clock for throttling (ms); the system clock by default. */
  readonly now?: () => number;
}

/** The gRPC transport: the PeerTransport contract plus what its owner (src/node) needs to run it. */
export interface GrpcPeerTransport extends PeerTransport {
  /** The port the server is bound to. */
  readonly port: number;
  /** Replaces the peer list (validator set changes, late-known addresses): new links open, gone ones close. */
  setPeers(peers: readonly PeerAddress[]): void;
  /** Messages waiting to be sent to a peer (for metrics and tests). */
  queued(peer: ValidatorId): number;
}

const ID_PATTERN = /^[0-9a-f]{40}$/;

const laneOf = (m: PeerMessage): MessageLane => (m.type === 'transactions' ? 'gossip' : 'consensus');

/** Starts the server and opens the client links. Effects: binds a TCP port; connects to the peers. */
export async function createPeerTransport(options: PeerTransportOptions): Promise<GrpcPeerTransport> {
  const limits: PeerTransportLimits = { ...DEFAULT_PEER_TRANSPORT_LIMITS, ...options.limits };
  const log = options.logger ?? SILENT_LOGGER;
  if (!ID_PATTERN.test(options.self)) {
    throw new PeerTransportError('BAD_OPTIONS', 'self must be a validator id: 40 lowercase hex characters');
  }
  const identity = new PeerIdentity(options.tls.rootCertPem);
  const ownId = (() => {
    try {
      return identity.identify(pemBody(options.tls.certPem), 'server');
    } catch (e) {
      throw new PeerTransportError('BAD_CERTIFICATE', `this node's certificate: ${(e as Error).message}`);
    }
  })();
  if (ownId !== options.self) {
    throw new PeerTransportError(
      'BAD_CERTIFICATE',
      `this node's certificate names ${ownId}, not ${options.self}`,
    );
  }
  const throttle = new PeerThrottle(limits, options.now ?? Date.now, log);
  const channels = new Map<string, ChannelHandlers>();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': Math.min(10_000, limits.keepaliveMs),
  });
  server.addService(
    PEER_SERVICE,
    peerServiceHandlers({
      identity,
      throttle,
      channel: (name) => channels.get(name),
      envelopeLimits: limits,
      maxSyncBlocks: limits.maxSyncBlocks,
      malformedPenalty: limits.malformedPenalty,
      log,
    }),
  );
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(options.tls.rootCertPem),
    [{ cert_chain: Buffer.from(options.tls.certPem), private_key: Buffer.from(options.tls.keyPem) }],
    true,
  );
  const host = options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.listen.port}`, credentials, (err, p) =>
      err
        ? reject(
            new PeerTransportError(
              'BAD_OPTIONS',
              `cannot listen on ${host}:${options.listen.port}: ${err.message}`,
            ),
          )
        : resolve(p),
    ),
  );
  log.info({ self: options.self, port }, 'peer transport listening');

  const links = new Map<ValidatorId, PeerClient>();
  let closed = false;

  function setPeers(peers: readonly PeerAddress[]): void {
    if (closed) return;
    const wanted = new Map<ValidatorId, string>();
    for (const p of peers) {
      if (!ID_PATTERN.test(p.id))
        throw new PeerTransportError('BAD_OPTIONS', `peer id '${p.id}' is not 40 hex`);
      if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(p.address))
        throw new PeerTransportError('BAD_OPTIONS', `peer ${p.id}: address '${p.address}' is not host:port`);
      if (p.id !== options.self) wanted.set(p.id, p.address);
    }
    for (const [id, link] of links) {
      if (wanted.get(id) !== link.address) {
        link.close();
        links.delete(id);
      }
    }
    for (const [id, address] of wanted) {
      if (!links.has(id)) {
        links.set(id, new PeerClient({ id, address, tls: options.tls, identity, limits, log }));
      }
    }
  }
  setPeers(options.peers);

  function link(peer: ValidatorId): PeerClient {
    if (closed) throw new PeerTransportError('CLOSED', 'the peer transport is closed');
    const l = links.get(peer);
    if (!l) throw new PeerTransportError('UNKNOWN_PEER', `no address known for peer ${peer}`, { peer });
    return l;
  }

  /** Encodes once; a message that cannot be encoded is this node's bug, logged and not sent. */
  function encode(channel: string, message: PeerMessage): Uint8Array | undefined {
    try {
      return encodeDeliver(checkChannelName(channel), message);
    } catch (e) {
      log.error(
        { channel, type: message.type, err: (e as Error).message },
        'cannot encode an outgoing message',
      );
      return undefined;
    }
  }

  function checkCount(name: string, n: number, min: number): void {
    if (!Number.isSafeInteger(n) || n < min)
      throw new PeerTransportError('BAD_OPTIONS', `${name} must be an integer >= ${min}`);
  }

  return {
    port,
    setPeers,
    queued: (peer) => links.get(peer)?.queued() ?? 0,

    attach(channel, handlers) {
      checkChannelName(channel);
      channels.set(channel, handlers);
    },

    broadcast(channel, message) {
      if (closed) return;
      const bytes = encode(channel, message);
      if (bytes) for (const l of links.values()) l.enqueue(bytes, laneOf(message));
    },

    send(channel, to, message) {
      if (closed) return;
      const l = links.get(to);
      if (!l) {
        log.debug({ channel, peer: to }, 'send to an unknown peer dropped');
        return;
      }
      const bytes = encode(channel, message);
      if (bytes) l.enqueue(bytes, laneOf(message));
    },

    fetchBlocks(channel, from, fromHeight, max): AsyncIterable<SyncBlock> {
      // A generator, so bad arguments reject the iteration like transport errors do.
      return (async function* () {
        checkChannelName(channel);
        checkCount('fromHeight', fromHeight, 0);
        checkCount('max', max, 1);
        yield* link(from).getBlocks(channel, fromHeight, Math.min(max, limits.maxSyncBlocks));
      })();
    },

    async peerHeight(channel, peer) {
      checkChannelName(channel);
      return link(peer).status(channel);
    },

    penalize(peer, reason) {
      throttle.penalize(peer, limits.penalty, reason);
    },

    connectedPeers() {
      let n = 0;
      for (const l of links.values()) if (l.isReady()) n++;
      return n;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const l of links.values()) l.close();
      links.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, limits.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      log.info({ self: options.self }, 'peer transport closed');
    },
  };
}

function pemBody(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new PeerTransportError('BAD_CERTIFICATE', 'not a PEM certificate');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
