/**
 * Consensus data (src/consensus/types.ts) to and from its protobuf form (proto/loopchain/v1/*.proto).
 * Everything decoded here came from an untrusted peer or disk: every length, count and integer is checked,
 * and a violation throws a `PeerCodecError` naming the field. Checks of meaning (signatures, quorums) stay
 * with consensus. Pure: no I/O.
 */
import type {
  QuorumCert,
  TimeoutCert,
  TimeoutMessage,
  ValidatorId,
  VoteMessage,
} from '../consensus/types.js';
import {
  QuorumCertificate,
  type TimeoutCertificate,
  type TimeoutVote,
  type Vote,
} from '../codec/proto/loopchain/v1/block.js';
import type {
  TimeoutMessage as TimeoutMessageProto,
  VoteMessage as VoteMessageProto,
} from '../codec/proto/loopchain/v1/peer.js';
import { PeerCodecError } from './errors.js';

export const HASH_BYTES = 32;
export const ID_BYTES = 20;
export const SIGNATURE_BYTES = 65;
/** More signers than any validator set we run; bounds memory and verification work per certificate. */
export const MAX_SIGNERS = 1024;
/** An encoded QC with MAX_SIGNERS votes is ~95 KiB; anything larger is refused before decoding. */
export const MAX_QC_BYTES = 128 * 1024;

const ID_PATTERN = /^[0-9a-f]{40}$/;

function bytesField(field: string, b: Uint8Array | undefined, length: number): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new PeerCodecError('MISSING_FIELD', `${field} is missing`, { field });
  if (b.length !== length) {
    throw new PeerCodecError('BAD_LENGTH', `${field} must be ${length} bytes, got ${b.length}`, {
      field,
      length: b.length,
    });
  }
  return new Uint8Array(b);
}

function integer(field: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new PeerCodecError('BAD_INTEGER', `${field} must be a non-negative safe integer`, { field });
  }
  return n;
}

function count(field: string, n: number): void {
  if (n > MAX_SIGNERS) {
    throw new PeerCodecError('TOO_MANY', `${field} has ${n} entries, at most ${MAX_SIGNERS} are accepted`, {
      field,
      count: n,
    });
  }
}

const idFromBytes = (field: string, b: Uint8Array | undefined): ValidatorId =>
  Buffer.from(bytesField(field, b, ID_BYTES)).toString('hex');

function idToBytes(field: string, id: ValidatorId): Uint8Array {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new PeerCodecError('BAD_ID', `${field} must be 40 lowercase hex characters`, { field });
  }
  return new Uint8Array(Buffer.from(id, 'hex'));
}

function noDuplicates(field: string, ids: readonly ValidatorId[]): void {
  const seen = new Set<ValidatorId>();
  for (const id of ids) {
    if (seen.has(id)) {
      throw new PeerCodecError('DUPLICATE_SIGNER', `${field} names ${id} twice`, { field, signer: id });
    }
    seen.add(id);
  }
}

// ---- QC ------------------------------------------------------------------------------------------------

export function qcToProto(qc: QuorumCert): QuorumCertificate {
  count('qc.votes', qc.votes.length);
  noDuplicates(
    'qc.votes',
    qc.votes.map((v) => v.voter),
  );
  return {
    height: integer('qc.height', qc.height),
    round: integer('qc.round', qc.round),
    blockHash: bytesField('qc.blockHash', qc.blockHash, HASH_BYTES),
    votes: qc.votes.map((v, i) => ({
      validator: idToBytes(`qc.votes[${i}].voter`, v.voter),
      signature: bytesField(`qc.votes[${i}].signature`, v.signature, SIGNATURE_BYTES),
    })),
  };
}

export function qcFromProto(p: QuorumCertificate | undefined, field = 'qc'): QuorumCert {
  if (p === undefined) throw new PeerCodecError('MISSING_FIELD', `${field} is missing`, { field });
  count(`${field}.votes`, p.votes.length);
  const votes = p.votes.map((v: Vote, i) => ({
    voter: idFromBytes(`${field}.votes[${i}].validator`, v.validator),
    signature: bytesField(`${field}.votes[${i}].signature`, v.signature, SIGNATURE_BYTES),
  }));
  noDuplicates(
    `${field}.votes`,
    votes.map((v) => v.voter),
  );
  return {
    height: integer(`${field}.height`, p.height),
    round: integer(`${field}.round`, p.round),
    blockHash: bytesField(`${field}.blockHash`, p.blockHash, HASH_BYTES),
    votes,
  };
}

/** The proto QuorumCertificate bytes of a QC: the commit proof stored and served with a block. */
export const encodeQc = (qc: QuorumCert): Uint8Array => QuorumCertificate.encode(qcToProto(qc)).finish();

export function decodeQc(bytes: Uint8Array): QuorumCert {
  if (bytes.length > MAX_QC_BYTES) {
    throw new PeerCodecError('TOO_LARGE', `an encoded QC must be at most ${MAX_QC_BYTES} bytes`);
  }
  return qcFromProto(decodeProto('QuorumCertificate', () => QuorumCertificate.decode(bytes)));
}

// ---- TC ------------------------------------------------------------------------------------------------

/** The proto TimeoutCertificate; its `high_qc` stays unset (each entry carries its high QC round). */
export function tcToProto(tc: TimeoutCert): TimeoutCertificate {
  count('tc.timeouts', tc.timeouts.length);
  noDuplicates(
    'tc.timeouts',
    tc.timeouts.map((t) => t.sender),
  );
  return {
    round: integer('tc.round', tc.round),
    timeouts: tc.timeouts.map((t, i) => ({
      validator: idToBytes(`tc.timeouts[${i}].sender`, t.sender),
      highQcRound: integer(`tc.timeouts[${i}].highQcRound`, t.highQcRound),
      signature: bytesField(`tc.timeouts[${i}].signature`, t.signature, SIGNATURE_BYTES),
    })),
    highQc: undefined,
  };
}

export function tcFromProto(p: TimeoutCertificate | undefined, field = 'tc'): TimeoutCert {
  if (p === undefined) throw new PeerCodecError('MISSING_FIELD', `${field} is missing`, { field });
  count(`${field}.timeouts`, p.timeouts.length);
  const timeouts = p.timeouts.map((t: TimeoutVote, i) => ({
    sender: idFromBytes(`${field}.timeouts[${i}].validator`, t.validator),
    highQcRound: integer(`${field}.timeouts[${i}].highQcRound`, t.highQcRound),
    signature: bytesField(`${field}.timeouts[${i}].signature`, t.signature, SIGNATURE_BYTES),
  }));
  noDuplicates(
    `${field}.timeouts`,
    timeouts.map((t) => t.sender),
  );
  return { round: integer(`${field}.round`, p.round), timeouts };
}

// ---- votes and timeouts -----------------------------------------------------------------------------------

export function voteToProto(v: VoteMessage): VoteMessageProto {
  return {
    height: integer('vote.height', v.height),
    round: integer('vote.round', v.round),
    blockHash: bytesField('vote.blockHash', v.blockHash, HASH_BYTES),
    voter: idToBytes('vote.voter', v.voter),
    signature: bytesField('vote.signature', v.signature, SIGNATURE_BYTES),
  };
}

export function voteFromProto(p: VoteMessageProto | undefined): VoteMessage {
  if (p === undefined) throw new PeerCodecError('MISSING_FIELD', 'vote is missing', { field: 'vote' });
  return {
    kind: 'vote',
    height: integer('vote.height', p.height),
    round: integer('vote.round', p.round),
    blockHash: bytesField('vote.blockHash', p.blockHash, HASH_BYTES),
    voter: idFromBytes('vote.voter', p.voter),
    signature: bytesField('vote.signature', p.signature, SIGNATURE_BYTES),
  };
}

export function timeoutToProto(t: TimeoutMessage): TimeoutMessageProto {
  return {
    round: integer('timeout.round', t.round),
    highQc: qcToProto(t.highQc),
    lastRoundTc: t.lastRoundTc === undefined ? undefined : tcToProto(t.lastRoundTc),
    sender: idToBytes('timeout.sender', t.sender),
    signature: bytesField('timeout.signature', t.signature, SIGNATURE_BYTES),
  };
}

export function timeoutFromProto(p: TimeoutMessageProto | undefined): TimeoutMessage {
  if (p === undefined) throw new PeerCodecError('MISSING_FIELD', 'timeout is missing', { field: 'timeout' });
  return {
    kind: 'timeout',
    round: integer('timeout.round', p.round),
    highQc: qcFromProto(p.highQc, 'timeout.highQc'),
    lastRoundTc: p.lastRoundTc === undefined ? undefined : tcFromProto(p.lastRoundTc, 'timeout.lastRoundTc'),
    sender: idFromBytes('timeout.sender', p.sender),
    signature: bytesField('timeout.signature', p.signature, SIGNATURE_BYTES),
  };
}

/** Runs a generated decoder; its exceptions (truncated input, bad wire types, unsafe integers) become typed. */
export function decodeProto<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw new PeerCodecError('MALFORMED', `malformed ${what}: ${(e as Error).message}`, { what });
  }
}
