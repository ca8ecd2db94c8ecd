/**
 * The PeerService definition (proto/loopchain/v1/peer.proto) as both sides use it: requests travel as raw
 * bytes that the server decodes itself, so a malformed request is answered INVALID_ARGUMENT with a precise
 * reason (grpc-js would answer INTERNAL if its deserializer threw) and a broadcast is encoded once.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  DeliverResponse,
  GetBlocksResponse,
  PeerServiceService,
  StatusResponse,
} from '../codec/proto/loopchain/v1/peer.js';

const raw = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const asBytes = (b: Buffer): Uint8Array => b;

export const PEER_SERVICE = {
  deliver: {
    path: PeerServiceService.deliver.path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: asBytes,
    responseSerialize: (v: DeliverResponse): Buffer => raw(DeliverResponse.encode(v).finish()),
    responseDeserialize: (b: Buffer): DeliverResponse => DeliverResponse.decode(b),
  },
  getBlocks: {
    path: PeerServiceService.getBlocks.path,
    requestStream: false,
    responseStream: true,
    requestSerialize: raw,
    requestDeserialize: asBytes,
    responseSerialize: (v: GetBlocksResponse): Buffer => raw(GetBlocksResponse.encode(v).finish()),
    responseDeserialize: (b: Buffer): GetBlocksResponse => GetBlocksResponse.decode(b),
  },
  status: {
    path: PeerServiceService.status.path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: asBytes,
    responseSerialize: (v: StatusResponse): Buffer => raw(StatusResponse.encode(v).finish()),
    responseDeserialize: (b: Buffer): StatusResponse => StatusResponse.decode(b),
  },
} as const satisfies ServiceDefinition;
