/**
 * The server side of PeerService: authenticates the caller by its client certificate, refuses throttled
 * peers, unknown channels and peers the channel does not allow, decodes and checks every request, and hands
 * well-formed messages to the channel. Every refusal is a gRPC status with a precise message; no input makes
 * a handler throw out of here.
 */
import * as grpc from '@grpc/grpc-js';
import type { GetBlocksResponse, StatusResponse, DeliverResponse } from '../codec/proto/loopchain/v1/peer.js';
import { GetBlocksRequest, StatusRequest } from '../codec/proto/loopchain/v1/peer.js';
import type { ValidatorId } from '../consensus/types.js';
import { isLoopchainError } from '../errors.js';
import { decodeProto } from './consensus-codec.js';
import { checkChannelName, decodeDeliver, messageOf, type EnvelopeLimits } from './envelope-codec.js';
import { PeerCodecError } from './errors.js';
import type { PeerIdentity } from './identity.js';
import type { PeerLogger } from './logger.js';
import type { PeerThrottle } from './throttle.js';
import type { ChannelHandlers } from './transport.js';

export interface PeerServerDeps {
  readonly identity: PeerIdentity;
  readonly throttle: PeerThrottle;
  readonly channel: (name: string) => ChannelHandlers | undefined;
  readonly envelopeLimits: EnvelopeLimits;
  /** Most blocks one GetBlocks call streams, whatever the caller asks. */
  readonly maxSyncBlocks: number;
  /** Penalty points for a malformed request. */
  readonly malformedPenalty: number;
  readonly log: PeerLogger;
}

/** A refusal on its way to the caller as a gRPC status. */
class Refusal extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

type AnyCall = Pick<grpc.ServerUnaryCall<Uint8Array, unknown>, 'getAuthContext' | 'getPeer'>;

export function peerServiceHandlers(deps: PeerServerDeps): grpc.UntypedServiceImplementation {
  const { log } = deps;

  /** 1. who is calling (TLS has checked the chain), 2. not throttled. */
  function caller(call: AnyCall): ValidatorId {
    let peer: ValidatorId;
    try {
      peer = deps.identity.identifyPeer(call.getAuthContext()?.sslPeerCertificate, 'client');
    } catch (e) {
      log.warn({ address: call.getPeer(), reason: (e as Error).message }, 'peer refused: certificate');
      throw new Refusal(grpc.status.UNAUTHENTICATED, (e as Error).message);
    }
    if (deps.throttle.isThrottled(peer)) {
      throw new Refusal(grpc.status.RESOURCE_EXHAUSTED, 'throttled: too many invalid messages, retry later');
    }
    return peer;
  }

  /** 3. a well-formed request (a malformed one costs the peer), 4. a known channel, 5. allowed on it. */
  function decode<T>(peer: ValidatorId, f: () => T): T {
    try {
      return f();
    } catch (e) {
      const message = e instanceof PeerCodecError ? e.message : 'malformed request';
      deps.throttle.penalize(peer, deps.malformedPenalty, message);
      throw new Refusal(grpc.status.INVALID_ARGUMENT, message);
    }
  }

  function channelFor(peer: ValidatorId, name: string): ChannelHandlers {
    const handlers = deps.channel(name);
    if (!handlers) throw new Refusal(grpc.status.NOT_FOUND, `unknown channel '${name}'`);
    if (!handlers.isAllowed(peer)) {
      log.warn({ peer, channel: name }, 'peer refused: not allowed on the channel');
      throw new Refusal(grpc.status.PERMISSION_DENIED, `not allowed on channel '${name}'`);
    }
    return handlers;
  }

  function toStatus(e: unknown, what: string): Partial<grpc.StatusObject> {
    if (e instanceof Refusal) return { code: e.code, details: e.message };
    log.error(
      { err: e instanceof Error ? e.message : String(e), code: isLoopchainError(e) ? e.code : undefined },
      what,
    );
    return { code: grpc.status.INTERNAL, details: 'internal error' };
  }

  const deliver = (
    call: grpc.ServerUnaryCall<Uint8Array, DeliverResponse>,
    done: grpc.sendUnaryData<DeliverResponse>,
  ): void => {
    try {
      const peer = caller(call);
      const envelope = decode(peer, () => decodeDeliver(call.request));
      const handlers = channelFor(peer, envelope.channel);
      const message = decode(peer, () => messageOf(envelope, deps.envelopeLimits));
      try {
        handlers.onMessage(peer, message);
      } catch (e) {
        // The channel's own failure: not the peer's fault, and not a reason to refuse the delivery.
        log.error({ peer, channel: envelope.channel, err: (e as Error).message }, 'channel onMessage threw');
      }
      done(null, {});
    } catch (e) {
      done(toStatus(e, 'deliver failed'), null);
    }
  };

  const status = (
    call: grpc.ServerUnaryCall<Uint8Array, StatusResponse>,
    done: grpc.sendUnaryData<StatusResponse>,
  ): void => {
    void (async () => {
      try {
        const peer = caller(call);
        const req = decode(peer, () =>
          decodeProto('StatusRequest', () => StatusRequest.decode(call.request)),
        );
        decode(peer, () => checkChannelName(req.channel));
        const handlers = channelFor(peer, req.channel);
        done(null, { height: await handlers.blockSource.height() });
      } catch (e) {
        done(toStatus(e, 'status failed'), null);
      }
    })();
  };

  const getBlocks = (call: grpc.ServerWritableStream<Uint8Array, GetBlocksResponse>): void => {
    void (async () => {
      try {
        const peer = caller(call);
        const req = decode(peer, () => {
          const r = decodeProto('GetBlocksRequest', () => GetBlocksRequest.decode(call.request));
          checkChannelName(r.channel);
          if (r.max < 1) throw new PeerCodecError('BAD_INTEGER', 'max must be at least 1');
          return r;
        });
        const handlers = channelFor(peer, req.channel);
        const max = Math.min(req.max, deps.maxSyncBlocks);
        let sent = 0;
        for await (const b of handlers.blockSource.blocks(req.fromHeight, max)) {
          if (call.cancelled || sent >= max) break;
          sent++;
          if (!call.write({ height: b.height, block: b.blockBytes, commitProof: b.commitProof })) {
            await drained(call);
          }
        }
        if (!call.cancelled) call.end();
      } catch (e) {
        if (!call.cancelled) call.emit('error', toStatus(e, 'getBlocks failed'));
      }
    })();
  };

  return { deliver, getBlocks, status };
}

/** Resolves when the stream can take more, or when the caller went away. */
function drained(call: grpc.ServerWritableStream<Uint8Array, GetBlocksResponse>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}
