/**
 * The client side towards one peer: a gRPC channel with mutual TLS that checks the server is the expected
 * node (its certificate's SAN URI), a bounded outgoing queue drained in order by one sender (oldest dropped
 * when full), and the block sync and status calls. Reconnection with back-off is grpc-js's channel's.
 */
import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { GetBlocksRequest, StatusRequest, type GetBlocksResponse } from '../codec/proto/loopchain/v1/peer.js';
import type { ValidatorId } from '../consensus/types.js';
import { decodeQc } from './consensus-codec.js';
import { PeerTransportError } from './errors.js';
import type { PeerIdentity } from './identity.js';
import type { PeerLogger } from './logger.js';
import { PEER_SERVICE } from './peer-service.js';
import type { SyncBlock } from './transport.js';

/** Outgoing lanes of a peer link: consensus messages are always sent before queued gossip. */
export type MessageLane = 'consensus' | 'gossip';

export interface PeerClientLimits {
  /** Deadline of one Deliver call, including the wait for a connection. */
  readonly deliverDeadlineMs: number;
  readonly statusDeadlineMs: number;
  /** Deadline of a whole GetBlocks stream. */
  readonly syncDeadlineMs: number;
  /** Messages waiting for one peer; the oldest is dropped beyond this. */
  readonly maxQueuedMessages: number;
  /** Largest gRPC message sent or received (a block plus framing). */
  readonly maxMessageBytes: number;
  /** Largest block in a sync response. */
  readonly maxBlockBytes: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly keepaliveMs: number;
}

export interface PeerClientOptions {
  readonly id: ValidatorId;
  readonly address: string;
  readonly tls: { readonly rootCertPem: string; readonly certPem: string; readonly keyPem: string };
  readonly identity: PeerIdentity;
  readonly limits: PeerClientLimits;
  readonly log: PeerLogger;
}

const REFUSALS = new Set([
  grpc.status.PERMISSION_DENIED,
  grpc.status.NOT_FOUND,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNAUTHENTICATED,
]);

/** A gRPC failure as the transport reports it: refused by the peer, or unreachable. */
export function transportError(e: unknown, peer: ValidatorId, what: string): PeerTransportError {
  if (e instanceof PeerTransportError) return e;
  const se = e as Partial<grpc.ServiceError>;
  const code = typeof se.code === 'number' ? se.code : grpc.status.UNKNOWN;
  const detail = { peer, grpcCode: grpc.status[code] ?? code };
  if (REFUSALS.has(code)) {
    return new PeerTransportError('REFUSED', `${what}: refused by ${peer}: ${se.details ?? ''}`, detail);
  }
  if (code === grpc.status.INTERNAL && /pars|deserializ/i.test(se.details ?? '')) {
    return new PeerTransportError('BAD_RESPONSE', `${what}: malformed response from ${peer}`, detail);
  }
  return new PeerTransportError(
    'UNAVAILABLE',
    `${what}: ${peer} unavailable: ${se.details ?? se.message}`,
    detail,
  );
}

export class PeerClient {
  readonly id: ValidatorId;
  readonly address: string;
  private readonly client: grpc.Client;
  /** Consensus messages go before transaction gossip: a burst of gossip must not delay votes and proposals. */
  private readonly queues: Record<MessageLane, Uint8Array[]> = { consensus: [], gossip: [] };
  private sending = false;
  private closed = false;
  private dropped = 0;

  constructor(private readonly o: PeerClientOptions) {
    this.id = o.id;
    this.address = o.address;
    const creds = grpc.credentials.createSsl(
      Buffer.from(o.tls.rootCertPem),
      Buffer.from(o.tls.keyPem),
      Buffer.from(o.tls.certPem),
      { checkServerIdentity: (_host, cert) => this.checkServer(cert) },
    );
    const host = o.address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    this.client = new grpc.Client(o.address, creds, {
      // Identity is the SAN URI, checked above; SNI with an IP literal is not allowed (RFC 6066).
      ...(isIP(host) ? { 'grpc.ssl_target_name_override': 'localhost' } : {}),
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_send_message_length': o.limits.maxMessageBytes,
      'grpc.max_receive_message_length': o.limits.maxMessageBytes,
      'grpc.initial_reconnect_backoff_ms': o.limits.reconnectInitialMs,
      'grpc.max_reconnect_backoff_ms': o.limits.reconnectMaxMs,
      'grpc.keepalive_time_ms': o.limits.keepaliveMs,
      'grpc.keepalive_timeout_ms': Math.max(1000, Math.floor(o.limits.keepaliveMs / 2)),
    });
    // Start connecting now, so the first message does not wait for the handshake.
    this.client.getChannel().getConnectivityState(true);
  }

  private checkServer(cert: PeerCertificate): Error | undefined {
    try {
      const id = this.o.identity.identifyPeer(cert, 'server');
      if (id === this.id) return undefined;
      this.o.log.warn({ peer: this.id, address: this.address, presented: id }, 'peer server is another node');
      return new Error(`the server at ${this.address} is node ${id}, not ${this.id}`);
    } catch (e) {
      this.o.log.warn(
        { peer: this.id, address: this.address, reason: (e as Error).message },
        'peer server refused',
      );
      return e as Error;
    }
  }

  isReady(): boolean {
    return this.client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
  }

  /**
   * Queues encoded DeliverRequest bytes in their lane. Effects: may drop the oldest message of that lane;
   * starts the sender.
   */
  enqueue(request: Uint8Array, lane: MessageLane = 'consensus'): void {
    if (this.closed) return;
    const queue = this.queues[lane];
    if (queue.length >= this.o.limits.maxQueuedMessages) {
      queue.shift();
      if (this.dropped++ % 100 === 0) {
        this.o.log.warn(
          { peer: this.id, lane, dropped: this.dropped },
          'outgoing queue full: oldest message dropped',
        );
      }
    }
    queue.push(request);
    if (!this.sending) void this.drain();
  }

  queued(): number {
    return this.queues.consensus.length + this.queues.gossip.length;
  }

  private next(): Uint8Array | undefined {
    return this.queues.consensus.shift() ?? this.queues.gossip.shift();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      for (let next = this.next(); next !== undefined && !this.closed; next = this.next()) {
        try {
          await this.deliver(next);
        } catch (e) {
          const err = transportError(e, this.id, 'deliver');
          this.o.log.debug({ peer: this.id, code: err.code, detail: err.detail }, err.message);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** One Deliver call; waits for a connection up to the deadline. */
  deliver(request: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        PEER_SERVICE.deliver.path,
        PEER_SERVICE.deliver.requestSerialize,
        PEER_SERVICE.deliver.responseDeserialize,
        request,
        new grpc.Metadata({ waitForReady: true }),
        { deadline: Date.now() + this.o.limits.deliverDeadlineMs },
        (err) => (err ? reject(transportError(err, this.id, 'deliver')) : resolve()),
      );
    });
  }

  status(channel: string): Promise<number> {
    const request = StatusRequest.encode({ channel }).finish();
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        PEER_SERVICE.status.path,
        PEER_SERVICE.status.requestSerialize,
        PEER_SERVICE.status.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + this.o.limits.statusDeadlineMs },
        (err, res) => (err || !res ? reject(transportError(err, this.id, 'status')) : resolve(res.height)),
      );
    });
  }

  /** Streams committed blocks, checking heights are consecutive from `fromHeight`, at most `max`. */
  async *getBlocks(channel: string, fromHeight: number, max: number): AsyncGenerator<SyncBlock> {
    const request = GetBlocksRequest.encode({ channel, fromHeight, max }).finish();
    const call = this.client.makeServerStreamRequest(
      PEER_SERVICE.getBlocks.path,
      PEER_SERVICE.getBlocks.requestSerialize,
      PEER_SERVICE.getBlocks.responseDeserialize,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + this.o.limits.syncDeadlineMs },
    );
    // The iterator below listens too; this one keeps a late CANCELLED status from being unhandled.
    call.on('error', () => undefined);
    let expected = fromHeight;
    try {
      for await (const r of call as AsyncIterable<GetBlocksResponse>) {
        yield this.checkBlock(r, expected, fromHeight + max);
        expected++;
      }
    } catch (e) {
      throw transportError(e, this.id, 'getBlocks');
    } finally {
      call.cancel();
    }
  }

  private checkBlock(r: GetBlocksResponse, expected: number, end: number): SyncBlock {
    const bad = (why: string): PeerTransportError =>
      new PeerTransportError('BAD_RESPONSE', `getBlocks: ${this.id} sent ${why}`, { peer: this.id });
    if (expected >= end) throw bad('more blocks than were asked for');
    if (r.height !== expected) throw bad(`height ${r.height} where ${expected} was due`);
    if (r.block.length === 0 || r.block.length > this.o.limits.maxBlockBytes)
      throw bad(`a block of ${r.block.length} bytes at height ${r.height}`);
    try {
      decodeQc(r.commitProof);
    } catch (e) {
      throw bad(`an invalid commit proof at height ${r.height}: ${(e as Error).message}`);
    }
    return { height: r.height, blockBytes: r.block, commitProof: r.commitProof };
  }

  close(): void {
    this.closed = true;
    this.queues.consensus.length = 0;
    this.queues.gossip.length = 0;
    this.client.close();
  }
}
