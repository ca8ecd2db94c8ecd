/**
 * Per-peer penalty scores (src/network/throttle.ts) on a virtual clock: threshold, cooling period, decay,
 * and the structured log lines an operator sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerLogger } from '../../src/network/logger.js';
import { PeerThrottle } from '../../src/network/throttle.js';

const P = 'ab'.repeat(20);
const Q = 'cd'.repeat(20);
const LIMITS = { threshold: 30, coolingMs: 10_000, decayPerSecond: 1, penalty: 10, malformedPenalty: 15 };

function setup() {
  let now = 1_000_000;
  const lines: { level: string; fields: Record<string, unknown>; message: string | undefined }[] = [];
  const at = (level: string) => (fields: object, message?: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const log: PeerLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const throttle = new PeerThrottle(LIMITS, () => now, log);
  return { throttle, lines, advance: (ms: number) => (now += ms) };
}

test('a peer is refused once its score reaches the threshold, and only that peer', () => {
  const { throttle, lines } = setup();
  throttle.penalize(P, 10, 'bad signature');
  throttle.penalize(P, 10, 'bad signature');
  assert.equal(throttle.isThrottled(P), false);
  throttle.penalize(P, 10, 'equivocation');
  assert.equal(throttle.isThrottled(P), true);
  assert.equal(throttle.isThrottled(Q), false);
  assert.deepEqual(lines.at(-1), {
    level: 'warn',
    fields: { peer: P, score: 30, coolingMs: 10_000 },
    message: 'peer throttled',
  });
  assert.deepEqual(lines[0]!.fields, { peer: P, reason: 'bad signature', points: 10, score: 10 });
});

test('the cooling period ends and the peer starts again from zero', () => {
  const { throttle, lines, advance } = setup();
  throttle.penalize(P, 40, 'malformed');
  advance(9_999);
  assert.equal(throttle.isThrottled(P), true, 'scores do not decay while refused');
  advance(1);
  assert.equal(throttle.isThrottled(P), false);
  assert.equal(throttle.score(P), 0);
  assert.equal(lines.at(-1)!.message, 'peer throttle lifted');
});

test('scores decay with good behaviour', () => {
  const { throttle, advance } = setup();
  throttle.penalize(P, 25, 'x');
  advance(10_000);
  assert.equal(throttle.score(P), 15);
  throttle.penalize(P, 10, 'y');
  assert.equal(throttle.isThrottled(P), false, '15 + 10 < 30');
  advance(60_000);
  assert.equal(throttle.score(P), 0, 'never below zero');
});
