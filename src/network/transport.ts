/**
 * What a channel runtime needs from the network (implemented over gRPC with mutual TLS in peer-*.ts, and by
 * an in-memory double in tests). Peers are validator ids: the 20-byte account id of their `hx` address as
 * 40 lowercase hex characters, as in src/consensus/types.ts. The transport authenticates who sent a
 * message (the TLS certificate); the channel checks what it says.
 */
import type { TimeoutMessage, ValidatorId, VoteMessage } from '../consensus/types.js';

/** What travels between peers of one channel. Proposals carry the whole encoded block (src/ledger/block.ts). */
export type PeerMessage =
  | { readonly type: 'proposal'; readonly blockBytes: Uint8Array }
  | { readonly type: 'vote'; readonly vote: VoteMessage }
  | { readonly type: 'timeout'; readonly timeout: TimeoutMessage }
  /** Gossiped transactions, each as the canonical JSON bytes of src/ledger/transaction.ts. */
  | { readonly type: 'transactions'; readonly transactions: readonly Uint8Array[] };

/** A committed block as block sync serves it: its bytes and the encoded QC that made it final. */
export interface SyncBlock {
  readonly height: number;
  readonly blockBytes: Uint8Array;
  /** proto QuorumCertificate bytes (the commit proof stored with the block). */
  readonly commitProof: Uint8Array;
}

/** What a node serves to peers that sync a channel from it. */
export interface BlockSource {
  /** Committed blocks from `fromHeight` on, at most `max`, in height order (fewer at the tip). */
  blocks(fromHeight: number, max: number): AsyncIterable<SyncBlock>;
  /** The height of the last committed block. */
  height(): Promise<number>;
}

export interface ChannelHandlers {
  /** A message from an authenticated peer; it may be invalid: the channel validates it. */
  onMessage(from: ValidatorId, message: PeerMessage): void;
  blockSource: BlockSource;
  /** Whether `peer` may talk on this channel now (a validator or member of it, per governance). */
  isAllowed(peer: ValidatorId): boolean;
}

export interface PeerTransport {
  /** Registers a channel; messages for channels not registered are refused with an error. */
  attach(channel: string, handlers: ChannelHandlers): void;
  /** Best effort, to every peer of the channel except this node; never throws, never blocks. */
  broadcast(channel: string, message: PeerMessage): void;
  /** Best effort to one peer. */
  send(channel: string, to: ValidatorId, message: PeerMessage): void;
  /** Fetches committed blocks from one peer; rejects on a transport error or when the peer refuses. */
  fetchBlocks(channel: string, from: ValidatorId, fromHeight: number, max: number): AsyncIterable<SyncBlock>;
  /** Asks a peer for its committed height on the channel. */
  peerHeight(channel: string, peer: ValidatorId): Promise<number>;
  /** Reports a peer that sent an invalid or equivocating message: the transport logs and throttles it. */
  penalize(peer: ValidatorId, reason: string): void;
  /** Peers currently connected (for metrics). */
  connectedPeers(): number;
  close(): Promise<void>;
}
