/**
 * Channel messages (src/network/transport.ts PeerMessage) to and from the gRPC Envelope. Decoding validates
 * the shape and the size bounds; the channel validates the meaning. Pure: no I/O.
 */
import { DeliverRequest, type Envelope } from '../codec/proto/loopchain/v1/peer.js';
import {
  decodeProto,
  timeoutFromProto,
  timeoutToProto,
  voteFromProto,
  voteToProto,
} from './consensus-codec.js';
import { PeerCodecError } from './errors.js';
import type { PeerMessage } from './transport.js';

export interface EnvelopeLimits {
  /** Largest encoded block in a proposal or a sync response. */
  readonly maxBlockBytes: number;
  /** Most transactions in one gossip message. */
  readonly maxTransactions: number;
  /** Largest single transaction (canonical JSON bytes). */
  readonly maxTransactionBytes: number;
}

export const DEFAULT_ENVELOPE_LIMITS: EnvelopeLimits = {
  maxBlockBytes: 16 * 1024 * 1024,
  maxTransactions: 1000,
  maxTransactionBytes: 512 * 1024,
};

/** Channel names as genesis allows them; anything else cannot name a channel a node serves. */
export const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkChannelName(channel: string): string {
  if (!CHANNEL_PATTERN.test(channel)) {
    throw new PeerCodecError('MALFORMED', 'the channel name must be 1..64 of [A-Za-z0-9._-]', {
      field: 'channel',
    });
  }
  return channel;
}

export function envelopeOf(channel: string, m: PeerMessage): Envelope {
  switch (m.type) {
    case 'proposal':
      return { channel, proposal: { block: m.blockBytes } };
    case 'vote':
      return { channel, vote: voteToProto(m.vote) };
    case 'timeout':
      return { channel, timeout: timeoutToProto(m.timeout) };
    case 'transactions':
      return { channel, transactions: { transactions: [...m.transactions] } };
  }
}

/** The DeliverRequest bytes of a message (what goes on the wire). */
export const encodeDeliver = (channel: string, m: PeerMessage): Uint8Array =>
  DeliverRequest.encode({ envelope: envelopeOf(channel, m) }).finish();

/** Raw DeliverRequest bytes from a peer → its channel and the envelope (payload not yet checked). */
export function decodeDeliver(bytes: Uint8Array): Envelope {
  const req = decodeProto('DeliverRequest', () => DeliverRequest.decode(bytes));
  if (req.envelope === undefined) throw new PeerCodecError('MISSING_FIELD', 'envelope is missing');
  if (req.envelope.channel === '') throw new PeerCodecError('MISSING_FIELD', 'envelope names no channel');
  checkChannelName(req.envelope.channel);
  return req.envelope;
}

export function messageOf(e: Envelope, limits: EnvelopeLimits = DEFAULT_ENVELOPE_LIMITS): PeerMessage {
  // The payload is a proto oneof; the generated type flattens it, so "exactly one" is checked here.
  const set = (['proposal', 'vote', 'timeout', 'transactions'] as const).filter((k) => e[k] !== undefined);
  if (set.length === 0) throw new PeerCodecError('MISSING_FIELD', 'envelope has no payload');
  if (set.length > 1)
    throw new PeerCodecError('MALFORMED', `envelope sets ${set.join(' and ')}: one payload only`);
  if (e.proposal) {
    const b = e.proposal.block;
    if (b.length === 0) throw new PeerCodecError('MISSING_FIELD', 'proposal.block is empty');
    if (b.length > limits.maxBlockBytes) {
      throw new PeerCodecError('TOO_LARGE', `proposal.block exceeds ${limits.maxBlockBytes} bytes`);
    }
    return { type: 'proposal', blockBytes: b };
  }
  if (e.vote) return { type: 'vote', vote: voteFromProto(e.vote) };
  if (e.timeout) return { type: 'timeout', timeout: timeoutFromProto(e.timeout) };
  const txs = e.transactions!.transactions;
  if (txs.length === 0) throw new PeerCodecError('MISSING_FIELD', 'transactions is empty');
  if (txs.length > limits.maxTransactions) {
    throw new PeerCodecError(
      'TOO_MANY',
      `transactions has ${txs.length} entries, at most ${limits.maxTransactions} are accepted`,
    );
  }
  txs.forEach((t, i) => {
    if (t.length === 0) throw new PeerCodecError('MISSING_FIELD', `transactions[${i}] is empty`);
    if (t.length > limits.maxTransactionBytes) {
      throw new PeerCodecError('TOO_LARGE', `transactions[${i}] exceeds ${limits.maxTransactionBytes} bytes`);
    }
  });
  return { type: 'transactions', transactions: txs };
}
