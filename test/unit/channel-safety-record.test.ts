/**
 * The stored consensus safety record (src/channel/safety-record.ts): 0x01 ‖ u64 lastVotedRound ‖
 * u64 lastProposedRound ‖ u32 qcLength ‖ proto QuorumCertificate. It round-trips with and without votes, reads
 * from a view into a larger buffer, and a damaged record — another format byte, too short for its header, a
 * QC cut inside a field or between two votes — throws instead of restoring a wrong lock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetyRecord, encodeSafetyRecord } from '../../src/channel/safety-record.js';
import type { QuorumCert, SafetyRecord } from '../../src/consensus/types.js';
import { LoopchainError } from '../../src/errors.js';
import { encodeQc } from '../../src/network/consensus-codec.js';

const fill = (b: number, n: number): Uint8Array => new Uint8Array(n).fill(b);

const QC: QuorumCert = {
  height: 41,
  round: 57,
  blockHash: Uint8Array.from({ length: 32 }, (_, i) => i),
  votes: ['0a', '1b', '2c'].map((p, i) => ({ voter: p.repeat(20), signature: fill(0x40 + i, 65) })),
};

const RECORD: SafetyRecord = { lastVotedRound: 58, lastProposedRound: 55, highQc: QC };

function malformed(bytes: Uint8Array): void {
  assert.throws(
    () => decodeSafetyRecord(bytes),
    (e: unknown) =>
      e instanceof LoopchainError &&
      e.code === 'STORAGE_RECORD_MALFORMED' &&
      e.message.includes('the stored safety record is damaged'),
  );
}

describe('safety record encoding', () => {
  test('round trip with a QC of three votes', () => {
    const bytes = encodeSafetyRecord(RECORD);
    assert.deepEqual(decodeSafetyRecord(bytes), RECORD);
  });

  test('the layout: format byte, two big-endian u64 rounds, the QC length, then the proto QC', () => {
    const bytes = encodeSafetyRecord(RECORD);
    const qc = encodeQc(QC);
    assert.equal(bytes.length, 21 + qc.length);
    assert.equal(bytes[0], 0x01);
    assert.deepEqual([...bytes.subarray(1, 9)], [0, 0, 0, 0, 0, 0, 0, 58]);
    assert.deepEqual([...bytes.subarray(9, 17)], [0, 0, 0, 0, 0, 0, 0, 55]);
    assert.equal(new DataView(bytes.buffer).getUint32(17), qc.length);
    assert.deepEqual(bytes.subarray(21), qc);
  });

  test('round trip of the genesis QC (no votes) and of rounds beyond 32 bits', () => {
    const genesis: SafetyRecord = {
      lastVotedRound: 0,
      lastProposedRound: 0,
      highQc: { height: 0, round: 0, blockHash: fill(9, 32), votes: [] },
    };
    assert.deepEqual(decodeSafetyRecord(encodeSafetyRecord(genesis)), genesis);
    const big: SafetyRecord = {
      lastVotedRound: 2 ** 40 + 3,
      lastProposedRound: 2 ** 33,
      highQc: { ...QC, round: 2 ** 40 + 1 },
    };
    assert.deepEqual(decodeSafetyRecord(encodeSafetyRecord(big)), big);
  });

  test('decodes from a view into a larger buffer (as storage may hand it back)', () => {
    const bytes = encodeSafetyRecord(RECORD);
    const buffer = new Uint8Array(bytes.length + 13).fill(0xee);
    buffer.set(bytes, 5);
    assert.deepEqual(decodeSafetyRecord(buffer.subarray(5, 5 + bytes.length)), RECORD);
  });
});

describe('a damaged safety record throws', () => {
  const bytes = encodeSafetyRecord(RECORD);

  test('another format byte', () => {
    for (const format of [0x00, 0x02, 0xff]) {
      const damaged = new Uint8Array(bytes);
      damaged[0] = format;
      malformed(damaged);
    }
  });

  test('shorter than its header (empty, the format byte only, 16 and 20 bytes)', () => {
    for (const n of [0, 1, 9, 16, 20]) malformed(bytes.subarray(0, n));
  });

  test('a header with no QC, a QC cut inside a field, or cut between two votes (91 bytes each)', () => {
    for (const n of [21, 22, 24, 40, bytes.length - 1, bytes.length - 40, bytes.length - 91]) {
      malformed(bytes.subarray(0, n));
    }
  });

  test('a QC whose bytes are not a QuorumCertificate', () => {
    const damaged = new Uint8Array(bytes);
    damaged.fill(0xff, 21, 44);
    malformed(damaged);
  });
});
