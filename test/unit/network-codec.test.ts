/**
 * The consensus and envelope codecs (src/network/consensus-codec.ts, envelope-codec.ts): round trips, and a
 * typed refusal naming the field for every kind of malformed input a peer could send.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QuorumCertificate } from '../../src/codec/proto/loopchain/v1/block.js';
import { DeliverRequest, type Envelope } from '../../src/codec/proto/loopchain/v1/peer.js';
import type { QuorumCert, TimeoutCert, TimeoutMessage, VoteMessage } from '../../src/consensus/types.js';
import {
  decodeQc,
  encodeQc,
  MAX_SIGNERS,
  qcFromProto,
  qcToProto,
  tcFromProto,
  tcToProto,
  timeoutFromProto,
  timeoutToProto,
  voteFromProto,
  voteToProto,
} from '../../src/network/consensus-codec.js';
import { decodeDeliver, encodeDeliver, envelopeOf, messageOf } from '../../src/network/envelope-codec.js';
import { PeerCodecError, type PeerCodecErrorCode } from '../../src/network/errors.js';
import type { PeerMessage } from '../../src/network/transport.js';

const id = (n: number): string => n.toString(16).padStart(2, '0').repeat(20);
const bytes = (len: number, fill: number): Uint8Array => new Uint8Array(len).fill(fill);
const qc: QuorumCert = {
  height: 41,
  round: 77,
  blockHash: bytes(32, 9),
  votes: [1, 2, 3].map((n) => ({ voter: id(n), signature: bytes(65, n) })),
};
const tc: TimeoutCert = {
  round: 78,
  timeouts: [1, 2, 3].map((n) => ({ sender: id(n), highQcRound: 70 + n, signature: bytes(65, n + 10) })),
};
const vote: VoteMessage = {
  kind: 'vote',
  height: 42,
  round: 78,
  blockHash: bytes(32, 1),
  voter: id(4),
  signature: bytes(65, 4),
};
const timeout: TimeoutMessage = {
  kind: 'timeout',
  round: 79,
  highQc: qc,
  lastRoundTc: tc,
  sender: id(5),
  signature: bytes(65, 5),
};

/** Asserts `f` throws a PeerCodecError with `code` whose message matches `message`. */
function refuses(f: () => unknown, code: PeerCodecErrorCode, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof PeerCodecError, `a PeerCodecError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('round trips', () => {
  test('QC through proto and through bytes', () => {
    assert.deepEqual(qcFromProto(qcToProto(qc)), qc);
    assert.deepEqual(decodeQc(encodeQc(qc)), qc);
    const genesis = { height: 0, round: 0, blockHash: bytes(32, 0), votes: [] };
    assert.deepEqual(decodeQc(encodeQc(genesis)), genesis, 'the genesis QC has no votes');
  });

  test('TC leaves high_qc unset', () => {
    const p = tcToProto(tc);
    assert.equal(p.highQc, undefined);
    assert.deepEqual(tcFromProto(p), tc);
  });

  test('vote and timeout, with and without the last round TC', () => {
    assert.deepEqual(voteFromProto(voteToProto(vote)), vote);
    assert.deepEqual(timeoutFromProto(timeoutToProto(timeout)), timeout);
    const noTc = { ...timeout, lastRoundTc: undefined };
    assert.deepEqual(timeoutFromProto(timeoutToProto(noTc)), noTc);
  });

  test('every peer message through DeliverRequest bytes', () => {
    const messages: PeerMessage[] = [
      { type: 'proposal', blockBytes: bytes(100, 7) },
      { type: 'vote', vote },
      { type: 'timeout', timeout },
      { type: 'transactions', transactions: [bytes(10, 1), bytes(20, 2)] },
    ];
    for (const m of messages) {
      const env = decodeDeliver(encodeDeliver('kofia', m));
      assert.equal(env.channel, 'kofia');
      assert.deepEqual(messageOf(env), m);
    }
  });

  test('decoded values do not alias the input buffer', () => {
    const wire = encodeQc(qc);
    const back = decodeQc(wire);
    wire.fill(0);
    assert.deepEqual(back, qc);
  });
});

describe('refusals of untrusted input', () => {
  const protoQc = () => qcToProto(qc);

  test('lengths: hashes 32, ids 20, signatures 65 bytes', () => {
    refuses(
      () => qcFromProto({ ...protoQc(), blockHash: bytes(31, 1) }),
      'BAD_LENGTH',
      /qc.blockHash must be 32 bytes, got 31/,
    );
    const p = protoQc();
    p.votes[1]!.validator = bytes(21, 1);
    refuses(() => qcFromProto(p), 'BAD_LENGTH', /qc.votes\[1\].validator must be 20 bytes, got 21/);
    const s = protoQc();
    s.votes[2]!.signature = bytes(64, 1);
    refuses(() => qcFromProto(s), 'BAD_LENGTH', /qc.votes\[2\].signature must be 65 bytes/);
    refuses(
      () => voteFromProto({ ...voteToProto(vote), voter: new Uint8Array() }),
      'BAD_LENGTH',
      /vote.voter must be 20 bytes, got 0/,
    );
    refuses(
      () => voteFromProto({ ...voteToProto(vote), blockHash: bytes(33, 0) }),
      'BAD_LENGTH',
      /vote.blockHash/,
    );
    refuses(
      () => timeoutFromProto({ ...timeoutToProto(timeout), signature: bytes(66, 0) }),
      'BAD_LENGTH',
      /timeout.signature/,
    );
    const t = tcToProto(tc);
    t.timeouts[0]!.signature = bytes(1, 0);
    refuses(() => tcFromProto(t), 'BAD_LENGTH', /tc.timeouts\[0\].signature/);
  });

  test('nested fields are named in the error', () => {
    const p = timeoutToProto(timeout);
    p.highQc!.blockHash = bytes(2, 0);
    refuses(() => timeoutFromProto(p), 'BAD_LENGTH', /timeout.highQc.blockHash/);
    const q = timeoutToProto(timeout);
    q.lastRoundTc!.timeouts[2]!.validator = bytes(3, 0);
    refuses(() => timeoutFromProto(q), 'BAD_LENGTH', /timeout.lastRoundTc.timeouts\[2\].validator/);
  });

  test('missing parts', () => {
    refuses(() => qcFromProto(undefined), 'MISSING_FIELD', /qc is missing/);
    refuses(() => tcFromProto(undefined), 'MISSING_FIELD', /tc is missing/);
    refuses(() => voteFromProto(undefined), 'MISSING_FIELD', /vote is missing/);
    refuses(() => timeoutFromProto(undefined), 'MISSING_FIELD', /timeout is missing/);
    refuses(
      () => timeoutFromProto({ ...timeoutToProto(timeout), highQc: undefined }),
      'MISSING_FIELD',
      /timeout.highQc is missing/,
    );
  });

  test('bounded signer counts', () => {
    const many = Array.from({ length: MAX_SIGNERS + 1 }, (_, i) => ({
      validator: bytes(20, i % 256),
      signature: bytes(65, 0),
    }));
    refuses(
      () => qcFromProto({ ...protoQc(), votes: many }),
      'TOO_MANY',
      /qc.votes has 1025 entries, at most 1024/,
    );
    const manyTimeouts = many.map((v) => ({ ...v, highQcRound: 1 }));
    refuses(
      () => tcFromProto({ round: 1, timeouts: manyTimeouts, highQc: undefined }),
      'TOO_MANY',
      /tc.timeouts/,
    );
    refuses(() => decodeQc(new Uint8Array(200 * 1024)), 'TOO_LARGE', /at most/);
  });

  test('duplicate signers', () => {
    const p = protoQc();
    p.votes[2]!.validator = p.votes[0]!.validator;
    refuses(() => qcFromProto(p), 'DUPLICATE_SIGNER', new RegExp(`qc.votes names ${id(1)} twice`));
    const t = tcToProto(tc);
    t.timeouts[1]!.validator = t.timeouts[0]!.validator;
    refuses(() => tcFromProto(t), 'DUPLICATE_SIGNER', /tc.timeouts/);
    refuses(() => qcToProto({ ...qc, votes: [qc.votes[0]!, qc.votes[0]!] }), 'DUPLICATE_SIGNER', /twice/);
  });

  test('integers beyond the safe range or negative', () => {
    // uint64 max on the wire: the generated decoder refuses it, and the codec says so with a typed error.
    const wire = QuorumCertificate.encode({ ...protoQc(), height: 1 }).finish();
    const huge = Uint8Array.from([
      0x08,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01,
      ...wire.subarray(2),
    ]);
    refuses(() => decodeQc(huge), 'MALFORMED', /malformed QuorumCertificate: .*MAX_SAFE_INTEGER/);
    refuses(() => voteToProto({ ...vote, round: -1 }), 'BAD_INTEGER', /vote.round/);
    refuses(() => voteToProto({ ...vote, height: 2 ** 53 }), 'BAD_INTEGER', /vote.height/);
    refuses(() => tcToProto({ ...tc, round: 1.5 }), 'BAD_INTEGER', /tc.round/);
  });

  test('ids given to the encoder must be 40 lowercase hex', () => {
    refuses(
      () => voteToProto({ ...vote, voter: id(0xab).toUpperCase() }),
      'BAD_ID',
      /vote.voter must be 40 lowercase hex/,
    );
    refuses(() => timeoutToProto({ ...timeout, sender: `hx${id(5)}` }), 'BAD_ID', /timeout.sender/);
  });

  test('garbage bytes', () => {
    refuses(() => decodeQc(Uint8Array.of(0x0a, 0xff)), 'MALFORMED', /malformed QuorumCertificate/);
    refuses(() => decodeDeliver(Uint8Array.of(0xff, 0xff, 0xff)), 'MALFORMED', /malformed DeliverRequest/);
  });

  test('envelopes: channel, payload, sizes', () => {
    refuses(() => decodeDeliver(new Uint8Array()), 'MISSING_FIELD', /envelope is missing/);
    const noChannel = DeliverRequest.encode({ envelope: envelopeOf('', { type: 'vote', vote }) }).finish();
    refuses(() => decodeDeliver(noChannel), 'MISSING_FIELD', /envelope names no channel/);
    const badChannel = DeliverRequest.encode({
      envelope: envelopeOf('a b', { type: 'vote', vote }),
    }).finish();
    refuses(() => decodeDeliver(badChannel), 'MALFORMED', /channel name/);
    refuses(() => messageOf({ channel: 'kofia' }), 'MISSING_FIELD', /envelope has no payload/);
    const two: Envelope = { channel: 'kofia', vote: voteToProto(vote), proposal: { block: bytes(3, 1) } };
    refuses(
      () => messageOf(DeliverRequest.decode(DeliverRequest.encode({ envelope: two }).finish()).envelope!),
      'MALFORMED',
      /one payload only/,
    );
    refuses(
      () => messageOf({ channel: 'kofia', proposal: { block: new Uint8Array() } }),
      'MISSING_FIELD',
      /proposal.block is empty/,
    );
    const limits = { maxBlockBytes: 10, maxTransactions: 2, maxTransactionBytes: 5 };
    refuses(
      () => messageOf({ channel: 'kofia', proposal: { block: bytes(11, 1) } }, limits),
      'TOO_LARGE',
      /proposal.block exceeds 10 bytes/,
    );
    const txs = (list: Uint8Array[]): Envelope => ({
      channel: 'kofia',
      transactions: { transactions: list },
    });
    refuses(() => messageOf(txs([]), limits), 'MISSING_FIELD', /transactions is empty/);
    refuses(
      () => messageOf(txs([bytes(1, 1), bytes(1, 1), bytes(1, 1)]), limits),
      'TOO_MANY',
      /3 entries, at most 2/,
    );
    refuses(
      () => messageOf(txs([bytes(1, 1), new Uint8Array()]), limits),
      'MISSING_FIELD',
      /transactions\[1\] is empty/,
    );
    refuses(() => messageOf(txs([bytes(6, 1)]), limits), 'TOO_LARGE', /transactions\[0\] exceeds 5 bytes/);
  });
});
